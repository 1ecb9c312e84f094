"""Shared plumbing for the benchmarks: corpora, the CLI as a subprocess, tables and JSON results.

Benchmarks are commands (`python -m tests.bench.<name>`), not pytest tests: they take minutes
and their verdict is a ratio against a baseline measured in the same run, so that a slower or
busier machine moves both sides alike. Results land in `bench-results/<name>.json` together with
the machine they were measured on, because a number without its machine cannot be compared.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import torch

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("RNNLM_SHARED_DATA", REPO.parent / "shared" / "data"))
SHAKESPEARE = SHARED_DATA / "tinyshakespeare" / "input.txt"
WIKI_VALID = SHARED_DATA / "wikitext-2" / "valid.txt"
WIKI_TEST = SHARED_DATA / "wikitext-2" / "test.txt"
WAR_AND_PEACE = SHARED_DATA / "war-and-peace" / "input.txt"
RESULTS_DIR = REPO / "bench-results"
CORPORA = ("wikitext", "shakespeare")
SHAKESPEARE_TRAIN_FRACTION = 0.9


class BenchError(RuntimeError):
    """A benchmark could not produce a number (missing data, failed CLI run, broken contract)."""


def require(path: Path) -> Path:
    if not path.is_file():
        raise BenchError(f"benchmark corpus {path} is missing: put the shared corpora there "
                         f"or set RNNLM_SHARED_DATA to their folder")
    return path


def read_text(path: Path) -> str:
    return require(path).read_text(encoding="utf-8")


def corpus_texts(name: str) -> tuple[str, str]:
    """(train text, eval text): WikiText-2 trains on valid.txt and evaluates on test.txt;
    tiny-shakespeare splits its characters 90% / 10%, the way char-rnn demos do."""
    if name == "wikitext":
        return read_text(WIKI_VALID), read_text(WIKI_TEST)
    if name == "shakespeare":
        text = read_text(SHAKESPEARE)
        cut = int(len(text) * SHAKESPEARE_TRAIN_FRACTION)
        return text[:cut], text[cut:]
    raise BenchError(f"unknown corpus {name!r}: choose one of {', '.join(CORPORA)}")


def corpus_files(name: str, folder: Path) -> tuple[Path, Path]:
    """(train file, eval file) for the CLI; corpora that need splitting are written into `folder`."""
    if name == "wikitext":
        return require(WIKI_VALID), require(WIKI_TEST)
    train_text, eval_text = corpus_texts(name)
    train_path, eval_path = folder / f"{name}-train.txt", folder / f"{name}-eval.txt"
    train_path.write_text(train_text, encoding="utf-8")
    eval_path.write_text(eval_text, encoding="utf-8")
    return train_path, eval_path


def cli_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "rnnlm_studio.cli", *args, "--json"]


def cli_env(home: Path) -> dict[str, str]:
    """The caller's environment with a throw-away studio home, so runs never touch user data."""
    return {**os.environ, "RNNLM_STUDIO_HOME": str(home)}


def parse_events(stdout: str) -> list[dict[str, Any]]:
    """JSON event lines of `--json` output; anything else a library prints to stdout is skipped."""
    return [json.loads(line) for line in stdout.splitlines() if line.lstrip().startswith("{")]


def run_cli(args: Sequence[str], timeout: float, home: Path | None = None) -> list[dict[str, Any]]:
    """Run `rnnlm-studio ARGS --json` in a subprocess and return its events.

    Each event also gets `_received`, the `time.perf_counter()` at which its line arrived, so a
    caller can time the run's wall clock between two events without its start-up. Pass `home`
    to keep the run folder after the call; without it a temporary home is used and removed.
    """
    if home is None:
        with tempfile.TemporaryDirectory(prefix="rnnlm-bench-home-") as tmp:
            return run_cli(args, timeout, Path(tmp))
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(cli_command(args), cwd=REPO, env=cli_env(home), stdout=subprocess.PIPE,
                                stderr=stderr, text=True, encoding="utf-8")
        killed = threading.Event()
        timer = threading.Timer(timeout, lambda: (killed.set(), proc.kill()))
        timer.start()
        try:
            events = [{**event, "_received": time.perf_counter()}
                      for line in proc.stdout for event in parse_events(line)]
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        stderr.seek(0)
        message = stderr.read().decode("utf-8", "replace").strip()
    if killed.is_set():
        raise BenchError(f"`rnnlm-studio {' '.join(args)}` ran past {timeout:g} s and was stopped")
    if returncode != 0:
        raise BenchError(f"`rnnlm-studio {' '.join(args)}` exited with {returncode}:\n{message}")
    return events


def done_event(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The final `done` event; a run that ended otherwise is a failed measurement."""
    if not events or events[-1].get("event") != "done":
        last = events[-1] if events else "no events at all"
        raise BenchError(f"the CLI run did not end with a done event; last event: {last}")
    return events[-1]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [_row(headers, widths), "  ".join("-" * w for w in widths)]
    lines += [_row(r, widths) for r in cells]
    return "\n".join(lines)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """First column (the label) left-aligned, numbers right-aligned under right-aligned headers."""
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "PASS" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    print(f"\n{title}\n{format_table(headers, rows)}\n", flush=True)


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def write_results(name: str, results: dict[str, Any]) -> Path:
    """Write `bench-results/<name>.json` with the machine the numbers came from."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine_info(), **results}, indent=2) + "\n",
                    encoding="utf-8")
    print(f"results written to {path.relative_to(REPO)}")
    return path
