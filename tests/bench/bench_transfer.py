"""Does the source help? Every LM transfer type against scratch, little target data, equal budget.

The target is 120 KB of tiny-shakespeare (its first 120,000 characters); validation is the
next 20,000 characters and the test score is read on the last 10% of the file, which no
run sees. Each run gets the same wall-clock budget (default 90 s). `scratch` is what a user
gets with no source at all (the app's defaults, its own tokenizer); the others start from
the source with `--transfer TYPE` and the source's tokenizer. Runs with different
tokenizers are compared on word perplexity and bits per byte only, never per token.

    python -m tests.bench.bench_transfer [--budget 90] [--source english-lstm] [--types parameter,ulmfit,...]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from . import common
from .bench_task import resolve_source

TRAIN_CHARS, VALID_CHARS = 120_000, 20_000
TYPES = ("parameter", "ulmfit", "feature", "partial", "structure")
EXTRA = {"partial": ["--transfer-layers", "embedding", "rnn.0", "--freeze", "embedding"]}
TARGET_GAIN = 0.25  # parameter and ulmfit: test word perplexity at least 25% below scratch


def write_target(folder: Path) -> dict[str, Path]:
    text = common.read_text(common.SHAKESPEARE)
    test_start = int(len(text) * common.SHAKESPEARE_TRAIN_FRACTION)
    parts = {"train": text[:TRAIN_CHARS], "valid": text[TRAIN_CHARS:TRAIN_CHARS + VALID_CHARS],
             "test": text[test_start:]}
    paths = {}
    for name, part in parts.items():
        paths[name] = folder / f"{name}.txt"
        paths[name].write_text(part, encoding="utf-8")
    return paths


def run(kind: str, paths: dict[str, Path], source: str, budget: float, home: Path) -> dict[str, Any]:
    args = ["train", "--train", str(paths["train"]), "--valid", str(paths["valid"]), "--test", str(paths["test"]),
            "--time-budget", str(budget), "--name", f"bench-{kind}"]
    if kind != "scratch":
        args += ["--source", source, "--transfer", kind, *EXTRA.get(kind, [])]
    done = common.done_event(common.run_cli(args, timeout=budget + 900, home=home))
    print(f"{kind}: test word ppl {done['test']['word_ppl']:.1f}", flush=True)
    return {"test": done["test"], "valid": done["valid"], "steps": done["step"], "tokens": done["tokens_seen"],
            "tokens_per_s": done["tokens_per_s"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds per run (default 90)")
    parser.add_argument("--source", default="english-lstm", help="source model (default: bundled english-lstm)")
    parser.add_argument("--types", default=",".join(TYPES), help="transfer types to set beside scratch")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-transfer-") as tmp:
        home = Path(tmp) / "home"
        paths = write_target(Path(tmp))
        source, origin = resolve_source(args.source, home)
        results = {kind: run(kind, paths, source, args.budget, home)
                   for kind in ("scratch", *args.types.split(","))}
    scratch = results["scratch"]["test"]["word_ppl"]
    gains = {kind: 1 - r["test"]["word_ppl"] / scratch for kind, r in results.items()}
    headers = ["transfer", "test word ppl", "test bpb", "gain vs scratch", "steps", "tokens/s"]
    rows = [[kind, r["test"]["word_ppl"], r["test"]["bpb"], gains[kind], r["steps"], r["tokens_per_s"]]
            for kind, r in results.items()]
    common.print_table(f"transfer types on {TRAIN_CHARS // 1000} KB of tiny-shakespeare, {args.budget:g} s each; "
                       f"source: {origin}", headers, rows)
    checked = {kind: gains[kind] >= TARGET_GAIN for kind in ("parameter", "ulmfit") if kind in gains}
    for kind, ok in checked.items():
        print(f"target: {kind} test word ppl >= {TARGET_GAIN:.0%} below scratch -> {'PASS' if ok else 'FAIL'}")
    common.write_results("transfer", {"budget": args.budget, "source": origin, "train_chars": TRAIN_CHARS,
                                      "runs": results, "gains": gains, "passed": all(checked.values())})


if __name__ == "__main__":
    main()
