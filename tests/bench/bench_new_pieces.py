"""Does composing new pieces from the source's byte rows help an English -> Chinese transfer?

`--tokenizer new` gives the target its own vocabulary; a piece the source lacks needs an embedding
row. `compose` averages the rows of the piece's UTF-8 bytes (the source's byte-fallback pieces),
`mean` uses the mean of all source rows, `random` a fresh initialisation. For Chinese the byte rows
of an English source carry little meaning, so this benchmark measures whether composing helps at
all: `english-lstm` fine-tuned (`parameter`, new tokenizer) on the first 120 KB of 红楼梦's held-out
chapters (the test part bench_sources uses: packaging/source_data.py's cut), each method over
several seeds, beside a scratch run with the same budget, all scored on the same test part.

    python -m tests.bench.bench_new_pieces [--budget 90] [--seeds 3] [--train-kb 120] [--test-kb 100]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from . import common
from .bench_sources import chinese_targets, cut

METHODS = ("compose", "mean", "random")


def _run(extra: list[str], files: dict[str, Path], budget: float, seed: int, home: Path) -> float:
    args = ["train", "--train", str(files["train"]), "--valid", str(files["valid"]), "--test", str(files["test"]),
            "--time-budget", str(budget), "--seed", str(seed), "--threads", "1", *extra]
    return common.done_event(common.run_cli(args, timeout=budget + 1800, home=home))["test"]["bpb"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds per run (default 90)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method (default 3)")
    parser.add_argument("--train-kb", type=float, default=120.0)
    parser.add_argument("--test-kb", type=float, default=100.0)
    parser.add_argument("--source", default="english-lstm")
    args = parser.parse_args(argv)
    target = chinese_targets()[0]
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-pieces-") as tmp:
        folder = Path(tmp)
        files = {}
        for role, text in cut(target.text, args.train_kb, args.test_kb).items():
            files[role] = folder / f"{role}.txt"
            files[role].write_text(text, encoding="utf-8")
        arms = {m: ["--source", args.source, "--transfer", "parameter", "--tokenizer", "new", "--new-pieces", m]
                for m in METHODS}
        arms["scratch"] = []
        for seed in range(args.seeds):
            for name, extra in arms.items():
                results.setdefault(name, []).append(_run(extra, files, args.budget, seed, folder / "home"))
                print(f"{name} seed {seed}: {results[name][-1]:.4f} bits/byte", flush=True)
    rows: list[list[Any]] = []
    for name, values in results.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        rows.append([name, statistics.mean(values), spread, min(values), max(values),
                     1 - statistics.mean(values) / statistics.mean(results["scratch"])])
    common.print_table(f"{args.source} -> {target.name}, {args.train_kb:g} KB, {args.budget:g} s, "
                       f"{args.seeds} seeds: test bits per byte", ["new pieces", "mean", "sd", "min", "max",
                                                                   "bits saved vs scratch"], rows)
    common.write_results("bench_new_pieces", {"source": args.source, "target": target.name, "budget": args.budget,
                                              "train_kb": args.train_kb, "runs": results})


if __name__ == "__main__":
    main()
