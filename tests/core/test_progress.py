"""The console reporter: a live bar on a terminal, plain lines in a redirected log."""
from __future__ import annotations

import io

from rnnlm_studio.core.events import DoneEvent, StepEvent
from rnnlm_studio.progress import ConsoleReporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def steps(n: int) -> list[StepEvent]:
    return [StepEvent(step=i, epoch=0, tokens_seen=i * 256, loss=5.0 - i / n, lr=1e-3, grad_norm=1.0,
                      tokens_per_s=1000.0, elapsed=float(i), progress=i / n, eta=float(n - i)) for i in range(1, n + 1)]


def done(n: int) -> DoneEvent:
    return DoneEvent(run_id="r", run_dir="/tmp/r", step=n, tokens_seen=n * 256, elapsed=float(n), tokens_per_s=1e3,
                     reason="budget", valid={}, test={}, best_checkpoint="", eval_seconds=0.0)


def test_a_redirected_log_gets_plain_lines_at_each_tenth() -> None:
    out = io.StringIO()
    ConsoleReporter(out).run([*steps(100), done(100)])
    text = out.getvalue()
    assert "\r" not in text
    progress_lines = [line for line in text.splitlines() if line.startswith("[")]
    assert [line.split()[1] for line in progress_lines][:3] == ["1.0%", "10.0%", "20.0%"]
    assert len(progress_lines) == 11 and "100.0%" in progress_lines[-1]


def test_a_terminal_gets_one_redrawn_bar() -> None:
    out = Terminal()
    ConsoleReporter(out).run([*steps(20), done(20)])
    text = out.getvalue()
    assert text.count("\r") == 20 and text.count("\n") == 1  # the bar's line is ended once, at the end
