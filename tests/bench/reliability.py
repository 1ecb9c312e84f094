"""Reliability, the slow parts: many kill -9s with resumes checked step by step, a 200 MB one-line
corpus, 20 GUI start/stop cycles, and the case counts of the fast reliability suites (bad input, the
table-driven hostile-input walk of every option and path argument, faults, fuzz).

    python -m tests.bench.reliability [--kills 12] [--gui-cycles 20] [--long-line-mb 200]

The one-line corpus is the memory bound's check: peak RSS must stay under LONG_LINE_BUDGET_MB (the
2 GB the tokenizer's sample cap is sized for, README "Bounds"); it takes minutes of CPU, so
`--long-line-mb 0` skips it on a busy machine.

Kills come in chains (a fresh run killed, then each resume killed again, then resumed to the end);
each chain's metrics are compared with the same run left uninterrupted, so a resume that repeated,
skipped or changed a step (step counter, LR schedule, optimiser state, RNG) fails. Moments alternate
between "inside a checkpoint write" and a random delay. Pass: every row handled all it tried, the
GUI grew by less than 100 MB and kept its thread count. Results: bench-results/reliability.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.reliability.helpers import TINY, cli_env, cli_run, json_events
from tests.reliability.killing import KillLog, Moment, continuity_problems, kill_and_resume
from tests.reliability.test_kill import train_args

from . import common
from .bench_memory import peak_rss

FAST_SUITE = {"bad input": ["test_bad_input.py", "test_model_files.py", "test_checkpoints.py"],
              "hostile input (every option and path)": ["test_hostile.py"],
              "faults": ["test_faults.py"],
              "fuzz + run store": ["test_fuzz.py", "test_run_store.py"]}
LONG_LINE_BUDGET_MB = 2048
CHAIN = 4  # kills per chain
STEPS = 400
MB = 1024 ** 2


def small_corpus(folder: Path) -> dict[str, Path]:
    text = common.read_text(common.SHAKESPEARE)
    paths = {"train": folder / "train.txt", "valid": folder / "valid.txt"}
    paths["train"].write_text(text[:60_000], encoding="utf-8")
    paths["valid"].write_text(text[60_000:70_000], encoding="utf-8")
    return paths


def pytest_counts(files: list[str], folder: Path, env: dict[str, str] | None = None) -> tuple[int, int]:
    """(tests run, tests passed) of reliability test files, from pytest's JUnit report."""
    report = folder / f"junit-{time.time_ns()}.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                    *[f"tests/reliability/{name}" for name in files]], cwd=common.REPO, env=env,
                   stdout=subprocess.DEVNULL)
    suite = ET.parse(report).getroot().find("testsuite")
    tried = int(suite.get("tests"))
    return tried, tried - int(suite.get("failures")) - int(suite.get("errors")) - int(suite.get("skipped"))


def kill_chains(kills: int, folder: Path, data: dict[str, Path]) -> dict[str, Any]:
    home = folder / "kill-home"
    result = cli_run(home, *train_args(data, STEPS), "--json")
    if result.returncode != 0:
        raise common.BenchError(f"the reference run failed: {result.stderr}")
    reference = Path(json_events(result.stdout)[-1]["run_dir"])
    rng = random.Random(0)
    log, continuous, chains = KillLog(), 0, 0
    while log.kills < kills:
        moments: list[Moment] = ["write" if i % 2 == 0 else round(rng.uniform(0.1, 1.5), 2)
                                 for i in range(min(CHAIN, kills - log.kills))]
        run_dir = kill_and_resume(home, train_args(data, STEPS), moments, log)
        problems = continuity_problems(run_dir, reference)
        if problems:
            print(f"chain {chains}: {problems[:3]}", file=sys.stderr)
        continuous += not problems
        chains += 1
    return {"kills": log.kills, "mid_write": log.mid_write, "late": log.late, "resumes": log.resumes,
            "chains": chains,
            "continuous_chains": continuous, "steps_at_kill": log.steps_at_kill}


def long_line(size_mb: int, folder: Path, data: dict[str, Path]) -> dict[str, Any]:
    """One line of `size_mb` MB (words, no newline): accepted or refused, in bounded memory and time."""
    rng = random.Random(0)
    words = common.read_text(common.SHAKESPEARE).split()[:5000]
    path = folder / "one-line.txt"
    with open(path, "w", encoding="utf-8") as handle:
        written = 0
        while written < size_mb * MB:
            chunk = " ".join(rng.choices(words, k=20_000)) + " "
            handle.write(chunk)
            written += len(chunk)
    cmd = [sys.executable, "-m", "rnnlm_studio.cli", "train", "--train", str(path), "--valid", str(data["valid"]),
           *TINY, "--max-steps", "5", "--eval-every", "5", "--json"]
    started = time.monotonic()
    run = peak_rss(cmd, cli_env(folder / "long-home"), timeout=1800)
    events = json_events(run["stdout"])
    accepted = run["returncode"] == 0 and events[-1]["event"] == "done"
    clear = accepted or len(run["stderr"].splitlines()) == 1
    return {"accepted": accepted, "handled": clear, "seconds": time.monotonic() - started,
            "peak_rss_mb": run["peak_rss"] / MB, "stderr": run["stderr"][-300:]}


def gui_cycles(cycles: int, folder: Path) -> dict[str, Any]:
    report = folder / "gui-cycles.json"
    env = {**os.environ, "RNNLM_GUI_CYCLES": str(cycles), "RNNLM_GUI_CYCLES_REPORT": str(report),
           "QT_QPA_PLATFORM": "offscreen"}
    tried, passed = pytest_counts(["test_gui_cycles.py::test_start_stop_cycles_leak_nothing"], folder, env)
    numbers = json.loads(report.read_text()) if report.is_file() else {}
    return {"passed": passed == tried == 1, **numbers}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--gui-cycles", type=int, default=20)
    parser.add_argument("--long-line-mb", type=int, default=200, help="0 skips the one-line corpus")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-reliability-") as tmp:
        folder = Path(tmp)
        data = small_corpus(folder)
        suites = {name: pytest_counts(files, folder) for name, files in FAST_SUITE.items()}
        kills = kill_chains(args.kills, folder, data)
        line = long_line(args.long_line_mb, folder, data) if args.long_line_mb else None
        gui = gui_cycles(args.gui_cycles, folder)
    growth = gui.get("rss_after_mb", 0.0) - gui.get("rss_before_mb", 0.0)
    rows = [
        *[(f"{name} (tests)", tried, passed, tried == passed, f"{tried - passed} failures")
          for name, (tried, passed) in suites.items()],
        ("kill -9 survived", kills["kills"], kills["kills"], True,
         f"{kills['mid_write']} inside a checkpoint write, {kills['late']} more landed after the run "
         "had finished (store said done)"),
        ("resumes continuous", kills["chains"], kills["continuous_chains"],
         kills["chains"] == kills["continuous_chains"], f"{kills['resumes']} resumes in {kills['chains']} chains"),
        *([(f"{args.long_line_mb} MB single line", 1, int(line["handled"]), line["handled"]
             and line["peak_rss_mb"] <= LONG_LINE_BUDGET_MB,
             f"{'accepted' if line['accepted'] else 'refused'} in {line['seconds']:.0f} s, "
             f"peak RSS {line['peak_rss_mb']:.0f} MB (budget {LONG_LINE_BUDGET_MB})")] if line else []),
        ("GUI start/stop cycles", args.gui_cycles, args.gui_cycles if gui["passed"] else 0, gui["passed"],
         f"RSS {gui.get('rss_before_mb', 0):.0f} -> {gui.get('rss_after_mb', 0):.0f} MB (+{growth:.0f}), "
         f"OS threads {gui.get('os_threads_before')} -> {gui.get('os_threads_after')}"),
    ]
    common.print_table("Reliability", ["check", "tried", "handled", "pass", "detail"], rows)
    common.write_results("reliability", {"suites": {k: {"tried": t, "passed": p} for k, (t, p) in suites.items()},
                                         "kills": kills, "long_line": line, "gui": gui,
                                         "pass": all(row[3] for row in rows)})


if __name__ == "__main__":
    main()
