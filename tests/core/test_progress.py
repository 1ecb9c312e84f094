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


def test_a_study_prints_a_line_per_finished_cell_and_a_table(capsys) -> None:
    from rnnlm_studio.core.study_runner import CellEvent, RunFinishedEvent, StudyDoneEvent, StudyStartEvent
    from rnnlm_studio.progress import StudyReporter

    cell = {"axes": {"fraction": "0.5"}, "repeats": 2, "bpb_mean": 1.5, "bpb_sd": 0.01, "baseline_bpb_mean": 2.0,
            "baseline_bpb_sd": 0.02, "gain_bits_mean": 0.25, "gain_bits_sd": 0.005, "word_ppl_mean": 90.0,
            "baseline_word_ppl_mean": 400.0, "split": "test"}
    events = [StudyStartEvent("/s/curve", "curve", [("fraction", ["0.5"])], 1, 4, 4, 1),
              RunFinishedEvent("c0-r1", "transfer", 1, False, 3, 4, 30.0, message="out of memory"),
              CellEvent(0, True, cell), StudyDoneEvent("/s/curve", [cell])]
    out = io.StringIO()
    assert StudyReporter(False, out).run(events) == 1, "a run that did not finish makes the study fail"
    lines = out.getvalue().splitlines()
    assert lines[0] == "cell fraction=0.5: 1.5000 ± 0.0100 bits/byte, baseline 2.0000, gain +0.250 bits"
    assert lines[2].split() == ["fraction", "repeats", "test", "bits/byte", "baseline", "bits/byte", "gain", "(bits",
                                "saved)", "word", "ppl", "baseline", "word", "ppl"]
    assert "1.500 ± 0.010" in lines[3] and "+0.250 ± 0.005" in lines[3]
    err = capsys.readouterr().err
    assert "[3/4] transfer c0-r1: failed: out of memory" in err and "study --resume curve" in err
