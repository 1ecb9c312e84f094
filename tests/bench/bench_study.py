"""A study's overhead: the wall time of a 12-cell study against the sum of its runs' budgets plus their
final evaluations, with `--jobs 1` and with `--jobs N`.

The study is transfer (parameter, feature, ulmfit) x learning rate (four values) from a bundled
source on a cut of tiny-shakespeare: 12 cells and the one scratch baseline they share, 13 runs of
`--budget` seconds each. What a study adds to its runs is one process start per run (Python,
torch, the data from the token cache) and its bookkeeping; the target (issue 18) is a wall time
within 1.1 x the runs' budgets plus evaluation with `--jobs 1`, for 60 s runs. With `--jobs 2` on
a 2-core machine the runs share the cores, so the study may well be no faster. "study / children"
separates the study's own cost (scheduling, bookkeeping) from each child's start-up and exit:
it is the study's wall time x jobs over the sum of its children's wall times.

    python -m tests.bench.bench_study [--budget 60] [--jobs 2] [--source shakespeare-char]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from . import common

AXES = ["--axis", "transfer=parameter,feature,ulmfit", "--axis", "lr=1e-3,2e-3,4e-3,8e-3"]
TRAIN_BYTES, VALID_BYTES = 60_000, 4_000


def study_wall(jobs: int, budget: float, source: str, folder: Path) -> dict[str, Any]:
    text = common.read_text(common.SHAKESPEARE)
    train, valid = folder / "train.txt", folder / "valid.txt"
    train.write_text(text[:TRAIN_BYTES], encoding="utf-8")
    valid.write_text(text[-VALID_BYTES:], encoding="utf-8")
    home = folder / f"home-{jobs}"
    started = time.perf_counter()
    events = common.run_cli(["study", "--train", str(train), "--valid", str(valid), "--source", source, *AXES,
                             "--time-budget", str(budget), "--jobs", str(jobs), "--name", "bench"],
                            timeout=60 * budget + 1800, home=home)
    wall = time.perf_counter() - started
    done = events[-1]
    if done.get("event") != "study_done" or any(cell["repeats"] != 1 for cell in done["cells"]):
        raise common.BenchError(f"the study did not finish every cell: {done}")
    state = json.loads((Path(done["study_dir"]) / "state.json").read_text())["jobs"]
    runs = list(state.values())
    budgets_and_eval = sum(budget + run["eval_seconds"] for run in runs)
    trained_and_eval = sum(run["elapsed"] + run["eval_seconds"] for run in runs)
    runs_wall = sum(run["wall"] for run in runs)  # each child from its start to its exit
    return {"jobs": jobs, "cells": len(done["cells"]), "runs": len(runs), "wall_s": wall,
            "budgets_plus_eval_s": budgets_and_eval, "trained_plus_eval_s": trained_and_eval,
            "ratio": wall / budgets_and_eval, "overhead_per_run_s": (wall - budgets_and_eval / jobs) / len(runs),
            "runs_wall_s": runs_wall, "study_vs_runs": wall * jobs / runs_wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of training per run (default 60)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once on the second side (default 2; 1: one side)")
    parser.add_argument("--source", default="shakespeare-char", help="the source model (default shakespeare-char)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-study-") as tmp:
        sides = [study_wall(jobs, args.budget, args.source, Path(tmp)) for jobs in dict.fromkeys((1, args.jobs))]
    headers = ["jobs", "runs", "wall s", "budgets + eval s", "wall / (budgets + eval)", "overhead per run s",
               "children's walls s", "study / children", "vs jobs 1"]
    rows = [[side["jobs"], side["runs"], side["wall_s"], side["budgets_plus_eval_s"], side["ratio"],
             side["overhead_per_run_s"], side["runs_wall_s"], side["study_vs_runs"],
             side["wall_s"] / sides[0]["wall_s"]] for side in sides]
    print(common.format_table(headers, rows))
    common.write_results("bench_study", {"budget_s": args.budget, "source": args.source, "sides": sides,
                                         "target": "wall <= 1.1 x (budgets + eval) with --jobs 1"})


if __name__ == "__main__":
    main()
