"""Does `--average-from` pay? Test bits per byte of the same runs with and without weight averaging.

Each pair is the same scratch run (app defaults, same seed, same step budget, so both take the same
steps until averaging begins), once keeping its last weights and once keeping the mean of the
weights after every step from `--average-from` (0.5) of the budget on; under a constant and under
the default cosine schedule. The text is War and Peace, split by the app (90/5/5, the test part
never trained on). A step budget, not a time budget, so the machine's speed does not change what
is compared. Reported: test bits per byte (network alone), the ratio averaged / last and the bits
saved, 1 - averaged / last, with the spread over seeds.

    python -m tests.bench.bench_averaging [--steps 600] [--repeats 2] [--share 0.5] [--schedule constant|cosine]
"""
from __future__ import annotations

import argparse
import statistics
from typing import Any

from . import common

SCHEDULES = ("constant", "cosine")


def run(steps: int, schedule: str, seed: int, share: float | None) -> dict[str, float]:
    args = ["train", "--train", str(common.require(common.WAR_AND_PEACE)), "--split", "0.9,0.05,0.05",
            "--max-steps", str(steps), "--schedule", schedule, "--seed", str(seed), "--threads", "1"]
    if share is not None:
        args += ["--average-from", str(share)]
    done = common.done_event(common.run_cli(args, timeout=3600))
    return {"test_bpb": float(done["test"]["bpb"]), "valid_bpb": float(done["valid"]["bpb"]),
            "test_word_ppl": float(done["test"]["word_ppl"]), "tokens_per_s": float(done["tokens_per_s"])}


def bench(steps: int, repeats: int, share: float, schedules: list[str]) -> list[dict[str, Any]]:
    results = []
    for schedule in schedules:
        pairs = [(run(steps, schedule, seed, None), run(steps, schedule, seed, share)) for seed in range(repeats)]
        saved = [1 - averaged["test_bpb"] / last["test_bpb"] for last, averaged in pairs]
        results.append({"schedule": schedule, "steps": steps, "share": share, "pairs": pairs,
                        "last_bpb": statistics.mean(p[0]["test_bpb"] for p in pairs),
                        "averaged_bpb": statistics.mean(p[1]["test_bpb"] for p in pairs),
                        "bits_saved": statistics.mean(saved), "bits_saved_min": min(saved),
                        "bits_saved_max": max(saved)})
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="optimiser steps per run (default 600)")
    parser.add_argument("--repeats", type=int, default=2, help="seeds per pair (default 2)")
    parser.add_argument("--share", type=float, default=0.5, help="--average-from of the averaged runs (0.5)")
    parser.add_argument("--schedule", choices=SCHEDULES, action="append", help="one schedule only (default: both)")
    args = parser.parse_args(argv)
    results = bench(args.steps, args.repeats, args.share, args.schedule or list(SCHEDULES))
    headers = ["schedule", "last weights, test bpb", f"averaged from {args.share:g}, test bpb", "averaged / last",
               "bits saved (mean)", "bits saved (min..max)"]
    rows = [[r["schedule"], r["last_bpb"], r["averaged_bpb"], r["averaged_bpb"] / r["last_bpb"],
             f"{r['bits_saved']:.1%}", f"{r['bits_saved_min']:.1%}..{r['bits_saved_max']:.1%}"] for r in results]
    common.print_table(f"weight averaging, War and Peace, {args.steps} steps, {args.repeats} seed(s) each", headers,
                       rows)
    common.write_results("bench_averaging", {"results": results})


if __name__ == "__main__":
    main()
