"""Does growing a source wider pay? Test bits per byte of a grown model against the source trained on
and against a wide model trained from scratch for as many steps as the two stages together.

A small 2-layer LSTM is trained from scratch on War and Peace (split 90/5/5 by the app, the test part
never trained on). From its last checkpoint, `--transfer parameter --tokenizer source` trains on for
the same number of steps twice: once at its own width ("stay") and once with `--hidden-size` wider
("grown": old units keep their weights, new ones start fresh and unread). "scratch, wide" trains the
wide architecture from random weights for both stages' steps. Step budgets, so the machine's speed
does not change what is compared; each run's tokens per second is reported beside it.

    python -m tests.bench.bench_widen [--small 256] [--wide 384] [--steps 400] [--seeds 1]

`--wide` must not be 512, the default hidden size, which counts as "not asked" with a source (so a
stored run re-runs as it ran); each run's width is checked against what was asked.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from . import common


def _train(args: list[str], steps: int, seed: int, home: Path, width: int) -> dict[str, Any]:
    base = ["train", "--train", str(common.require(common.WAR_AND_PEACE)), "--split", "0.9,0.05,0.05",
            "--max-steps", str(steps), "--seed", str(seed), "--threads", "1", "--layers", "2"]
    events = common.run_cli(base + args, timeout=7200, home=home)
    done = common.done_event(events)
    trained = next(e for e in events if e.get("event") == "start")["config"]["model"]["hidden_size"]
    if trained != width:
        raise common.BenchError(f"the run trained {trained} units per layer, not {width}")
    return {"test_bpb": float(done["test"]["bpb"]), "tokens_per_s": float(done["tokens_per_s"]),
            "last": str(Path(done["run_dir"]) / "checkpoints" / "last")}


def bench(small: int, wide: int, steps: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-widen-") as tmp:
        home = Path(tmp)
        source = _train(["--hidden-size", str(small)], steps, seed, home, small)
        onward = ["--source", source["last"], "--transfer", "parameter", "--tokenizer", "source"]
        return {"source": source,
                "stay": _train(onward, steps, seed, home, small),
                "grown": _train(onward + ["--hidden-size", str(wide)], steps, seed, home, wide),
                "scratch_wide": _train(["--hidden-size", str(wide)], 2 * steps, seed, home, wide)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=256, help="the source's units per layer (256)")
    parser.add_argument("--wide", type=int, default=384, help="units per layer after growing (384; not 512)")
    parser.add_argument("--steps", type=int, default=400, help="optimiser steps per stage (400)")
    parser.add_argument("--seeds", type=int, default=1, help="repeats with seeds 0, 1, ... (1)")
    args = parser.parse_args(argv)
    results = [bench(args.small, args.wide, args.steps, seed) for seed in range(args.seeds)]
    arms = [("source", f"2x{args.small}, {args.steps} steps from scratch"),
            ("stay", f"2x{args.small}, {args.steps} more steps"),
            ("grown", f"grown to 2x{args.wide}, {args.steps} more steps"),
            ("scratch_wide", f"2x{args.wide} from scratch, {2 * args.steps} steps")]
    grown = statistics.mean(r["grown"]["test_bpb"] for r in results)
    rows = []
    for key, label in arms:
        bpb = [r[key]["test_bpb"] for r in results]
        rows.append([label, statistics.mean(bpb), f"{min(bpb):.3f}..{max(bpb):.3f}",
                     f"{1 - grown / statistics.mean(bpb):.1%}",
                     statistics.mean(r[key]["tokens_per_s"] for r in results)])
    common.print_table(f"growing a source wider, War and Peace, {args.seeds} seed(s)",
                       ["run", "test bpb", "spread", "bits the grown model saves", "tokens/s"], rows)
    common.write_results("bench_widen", {"args": vars(args), "results": results})


if __name__ == "__main__":
    main()
