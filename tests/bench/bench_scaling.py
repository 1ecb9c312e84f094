"""Multi-process speed-up: `train --nproc N` (torchrun, gloo on the CPU) against one process.

Both sides train the default model on WikiText-2 `valid.txt` for the same steps with the same
global batch: one process of N x B rows using every core as torch threads, against N processes
of B rows each with an equal share of the cores. The figure is training tokens/s as the done
event reports it (training steps only: start-up, tokenizer and final evaluation are left out),
so the ratio says what DDP's gradient all-reduce and the split of the cores cost or gain. On one
machine with few cores, threads inside one process are usually the better use of them; the
benchmark exists so that claim is a measurement, and so a regression in the distributed path
(an all-reduce per parameter instead of bucketed, a sync per step) shows up as a number.

    python -m tests.bench.bench_scaling [--nproc 2] [--steps 120] [--batch-size 16]
"""
from __future__ import annotations

import argparse
import os

from . import common


def tokens_per_s(nproc: int, rows: int, steps: int, threads: int) -> dict[str, float]:
    args = ["train", "--train", str(common.require(common.WIKI_VALID)), "--valid",
            str(common.require(common.WIKI_TEST)), "--max-steps", str(steps), "--eval-every", str(steps),
            "--eval-tokens", "2000", "--batch-size", str(rows), "--threads", str(threads)]
    if nproc > 1:
        args += ["--nproc", str(nproc)]
    done = common.done_event(common.run_cli(args, timeout=1800))
    return {"processes": nproc, "rows_per_process": rows, "threads_per_process": threads,
            "tokens_per_s": float(done["tokens_per_s"]), "steps": int(done["step"]),
            "tokens_seen": int(done["tokens_seen"])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nproc", type=int, default=2, help="processes of the distributed side (default 2)")
    parser.add_argument("--steps", type=int, default=120, help="training steps of each side (default 120)")
    parser.add_argument("--batch-size", type=int, default=16, help="rows per process (default 16)")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    single = tokens_per_s(1, args.nproc * args.batch_size, args.steps, cores)
    multi = tokens_per_s(args.nproc, args.batch_size, args.steps, max(1, cores // args.nproc))
    if single["tokens_seen"] != multi["tokens_seen"]:
        raise common.BenchError(f"the two sides saw different token counts: {single} vs {multi}")
    ratio = multi["tokens_per_s"] / single["tokens_per_s"]
    headers = ["side", "processes", "rows each", "threads each", "steps", "tokens/s", "vs one process"]
    rows = [[f"one process, {cores} threads", 1, single["rows_per_process"], cores, single["steps"],
             single["tokens_per_s"], 1.0],
            [f"torchrun --nproc {args.nproc} (gloo)", args.nproc, args.batch_size, multi["threads_per_process"],
             multi["steps"], multi["tokens_per_s"], ratio]]
    common.print_table(f"multi-process scaling on {cores} CPU cores, same global batch "
                       f"({args.nproc * args.batch_size} rows)", headers, rows)
    common.write_results("bench_scaling", {"single": single, "multi": multi, "ratio": ratio})


if __name__ == "__main__":
    main()
