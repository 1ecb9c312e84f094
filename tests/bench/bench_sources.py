"""How strong are the bundled sources? Zero-shot and fine-tuned bits per byte on held-out text.

For each bundled source and each text it never trained on: its zero-shot bits per byte on the
test part (`eval`, the network alone), then, with the same budget (default 90 s) on the same
training part (the first 120 KB, or half the held-out text where there is less), a `parameter`
fine-tune from the source and a scratch run with the app's defaults (its own tokenizer, a
vocabulary that follows the text's size), both scored on the test part. Beside them PPMd order 8
(`pyppmd`, the `bench` extra) given the same training text: the bits it spends on the test part
after reading the training part. Ratios are bits per byte over bits per byte; "bits saved" is
1 - fine-tuned / scratch, the transfer gain.

Held-out text: `english-lstm` the three Gutenberg authors left out of its training (austen,
conrad, wells); `chinese-lstm` the last 10 chapters of each novel, cut by packaging/source_data.py
exactly as its training left them out; `shakespeare-char` the paragraphs its default split held out
(seed 0; 5% validation + 5% test). A source that is not bundled is skipped with a note.

    python -m tests.bench.bench_sources [--budget 90] [--source english-lstm] [--train-kb 120] [--test-kb 200]
"""
from __future__ import annotations

import argparse
import importlib.util
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import common

GUTENBERG = common.SHARED_DATA / "gutenberg"
HELD_OUT_AUTHORS = ("austen", "conrad", "wells")
VALID_BYTES, VALID_FRACTION = 20_000, 0.1  # the runs' validation text: 20 KB, or a tenth of what is left
PPMD_ORDER, PPMD_MEMORY = 8, 256 << 20


@dataclass
class Target:
    name: str
    text: str  # held-out text: training part, validation part, test part, in that order


def english_targets() -> list[Target]:
    return [Target(author, common.read_text(GUTENBERG / f"{author}.txt")) for author in HELD_OUT_AUTHORS]


def chinese_targets() -> list[Target]:
    """The test chapters of each novel, as the source's own data script cuts them."""
    script = common.REPO / "packaging" / "source_data.py"
    spec = importlib.util.spec_from_file_location("source_data", common.require(script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = common.SHARED_DATA / "chinese-classics"
    return [Target(f"{Path(name).stem} (last 10 chapters)",
                   module.split_novel(common.read_text(folder / name))[2]) for name in module.NOVELS]


def shakespeare_targets() -> list[Target]:
    """The paragraphs the app's default split (seed 0) held out of the source's training text."""
    from rnnlm_studio.core.corpus import Corpus, split_corpus

    parts = split_corpus(Corpus.open([common.require(common.SHAKESPEARE)]), (0.9, 0.05, 0.05), 0)
    held_out = "".join(line + "\n" for role in ("valid", "test") for line in parts[role].iter_lines())
    return [Target("held-out paragraphs", held_out)]


TARGETS: dict[str, Callable[[], list[Target]]] = {
    "english-lstm": english_targets, "chinese-lstm": chinese_targets, "shakespeare-char": shakespeare_targets}


def cut(text: str, train_kb: float, test_kb: float) -> dict[str, str]:
    """Training part (train_kb, at most half the text), validation part (20 KB at most), test part
    (test_kb at most)."""
    data = text.encode("utf-8")
    train_end = _boundary(data, min(int(train_kb * 1000), len(data) // 2))
    valid_end = _boundary(data, train_end + min(VALID_BYTES, int((len(data) - train_end) * VALID_FRACTION)))
    test_end = _boundary(data, min(len(data), valid_end + int(test_kb * 1000)))
    return {"train": data[:train_end].decode(), "valid": data[train_end:valid_end].decode(),
            "test": data[valid_end:test_end].decode()}


def _boundary(data: bytes, at: int) -> int:
    """`at`, moved forward to the next line start, so no part begins mid-line or mid-character."""
    newline = data.find(b"\n", at)
    return len(data) if newline < 0 or at >= len(data) else newline + 1


def ppmd_bpb(train: str, test: str) -> float:
    """PPMd-8's bits per byte on `test` after reading `train` (the extra it spends on the test part)."""
    import pyppmd  # the `bench` extra

    def size(data: bytes) -> int:
        return len(pyppmd.compress(data, max_order=PPMD_ORDER, mem_size=PPMD_MEMORY, variant="I")) if data else 0

    train_bytes, test_bytes = train.encode(), test.encode()
    return 8 * (size(train_bytes + test_bytes) - size(train_bytes)) / len(test_bytes)


def measure(source: str, target: Target, budget: float, train_kb: float, test_kb: float,
            folder: Path) -> dict[str, Any]:
    parts = cut(target.text, train_kb, test_kb)
    files = {}
    for role, text in parts.items():
        files[role] = folder / f"{role}.txt"
        files[role].write_text(text, encoding="utf-8")
    home = folder / "home"
    zero = common.run_cli(["eval", source, "--text", str(files["test"])], timeout=1800, home=home)[-1]
    common_args = ["train", "--train", str(files["train"]), "--valid", str(files["valid"]),
                   "--test", str(files["test"]), "--time-budget", str(budget)]
    tuned = common.done_event(common.run_cli([*common_args, "--source", source, "--transfer", "parameter"],
                                             timeout=budget + 1800, home=home))
    scratch = common.done_event(common.run_cli(common_args, timeout=budget + 1800, home=home))
    ppmd = ppmd_bpb(parts["train"], parts["test"])
    row = {"source": source, "target": target.name, "train_bytes": len(parts["train"].encode()),
           "test_bytes": len(parts["test"].encode()), "zero_shot_bpb": zero["bpb"],
           "fine_tuned_bpb": tuned["test"]["bpb"], "scratch_bpb": scratch["test"]["bpb"], "ppmd8_bpb": ppmd,
           "fine_tuned_steps": tuned["step"], "scratch_steps": scratch["step"]}
    row.update(fine_tuned_vs_ppmd=row["fine_tuned_bpb"] / ppmd, zero_shot_vs_ppmd=row["zero_shot_bpb"] / ppmd,
               scratch_vs_ppmd=row["scratch_bpb"] / ppmd, bits_saved=1 - row["fine_tuned_bpb"] / row["scratch_bpb"])
    print(f"{source} on {target.name}: zero-shot {row['zero_shot_bpb']:.3f}, fine-tuned {row['fine_tuned_bpb']:.3f}, "
          f"scratch {row['scratch_bpb']:.3f}, PPMd-8 {ppmd:.3f} bits/byte", flush=True)
    return row


def bundled() -> list[str]:
    from rnnlm_studio.core.paths import bundled_models_dir

    return sorted(folder.name for folder in bundled_models_dir().iterdir() if (folder / "config.json").is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds per run (default 90)")
    parser.add_argument("--source", action="append", help="only this bundled source (repeatable; default: all)")
    parser.add_argument("--train-kb", type=float, default=120.0, help="KB of target text to train on (default 120)")
    parser.add_argument("--test-kb", type=float, default=200.0, help="KB of test text at most (default 200)")
    args = parser.parse_args(argv)
    present = bundled()
    wanted = args.source or list(TARGETS)
    notes = [f"{name}: not bundled, skipped" for name in wanted if name not in present]
    rows = []
    for source in (name for name in wanted if name in present):
        for target in TARGETS.get(source, lambda: [])():
            with tempfile.TemporaryDirectory(prefix="rnnlm-bench-sources-") as tmp:
                rows.append(measure(source, target, args.budget, args.train_kb, args.test_kb, Path(tmp)))
    headers = ["source / held-out text", "zero-shot", "fine-tuned", "scratch", "PPMd-8", "tuned/PPMd",
               "zero-shot/PPMd", "bits saved", "train KB"]
    table = [[f"{r['source']} / {r['target']}", r["zero_shot_bpb"], r["fine_tuned_bpb"], r["scratch_bpb"],
              r["ppmd8_bpb"], r["fine_tuned_vs_ppmd"], r["zero_shot_vs_ppmd"], r["bits_saved"],
              round(r["train_bytes"] / 1000, 1)] for r in rows]
    common.print_table(f"bits per byte on held-out text; fine-tune (parameter) and scratch {args.budget:g} s each, "
                       f"PPMd order {PPMD_ORDER} given the same training text", headers, table)
    for note in notes:
        print(f"note: {note}")
    common.write_results("bench_sources", {"budget": args.budget, "train_kb": args.train_kb,
                                           "test_kb": args.test_kb, "rows": rows, "notes": notes})


if __name__ == "__main__":
    main()
