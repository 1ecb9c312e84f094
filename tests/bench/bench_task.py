"""Does task transfer beat the same classifier trained from scratch? Accuracy after the same budget.

The labelled set asks which source a passage comes from: War and Peace (19th-century
fiction) or WikiText-2's test.txt (encyclopedia articles, held out from `english-lstm`'s
training). Both are normalised so that no character gives the answer away: WikiText's
tokenised spacing (" , ", " @-@ ", quotes) is undone and its `<unk>` markers dropped,
War and Peace's hard-wrapped lines are joined, and dashes are written alike; each
example is the first `--words` words of a paragraph. The transfer run (`--transfer task`
from the source) and the scratch run (the same classifier, same tokenizer, random
encoder) get the same data and the same time budget.

    python -m tests.bench.bench_task [--budget 60 | --steps N] [--source english-lstm] [--words 30] [--seeds 1]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

from . import common

PER_CLASS = {"train": 300, "valid": 100, "test": 300}
FALLBACK_SOURCE_BUDGET = 60.0
FALLBACK_SOURCE_ARCH = ("--emb-size", "192", "--hidden-size", "384")  # small enough to learn something in 60 s
_WIKI_FIXES = ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."), (" n't", "n't"), (" 's", "'s"), (" ' ", "' "),
               ('" "', ""), ("( ", "("), (" )", ")"))
_DASHES = re.compile(r"\s*(?:--|–|—)\s*")
_WIKI_QUOTE = re.compile(r'" (.*?) "')
_SPACE_BEFORE_PUNCT = re.compile(r" ([,.;:!?%])")


def normalise_wikitext(line: str) -> str:
    """Undo WikiText's tokenised spacing and drop `<unk>`, so only the words tell the source."""
    text = " ".join(line.replace("<unk>", "").split())
    for old, new in _WIKI_FIXES:
        text = text.replace(old, new)
    text = _WIKI_QUOTE.sub(r'"\1"', text)
    return _common_form(_SPACE_BEFORE_PUNCT.sub(r"\1", text))


def _common_form(text: str) -> str:
    return " ".join(_DASHES.sub(" - ", text).split())


def wikitext_paragraphs(min_words: int) -> list[str]:
    lines = common.read_text(common.WIKI_TEST).splitlines()
    return [normalise_wikitext(line) for line in lines
            if not line.strip().startswith("=") and len(line.split()) >= min_words]


def novel_paragraphs(min_words: int) -> list[str]:
    text = common.read_text(common.WAR_AND_PEACE).lstrip("\ufeff")
    return [_common_form(p) for p in re.split(r"\n\s*\n", text) if len(p.split()) >= min_words]


def build_dataset(folder: Path, words: int, seed: int) -> dict[str, Path]:
    """train/valid/test TSV files, disjoint, PER_CLASS examples of each source in each."""
    rng = random.Random(seed)
    need = sum(PER_CLASS.values())
    sources = {"novel": novel_paragraphs(words), "wikipedia": wikitext_paragraphs(words)}
    rows: dict[str, list[tuple[str, str]]] = {part: [] for part in PER_CLASS}
    for label, paragraphs in sources.items():
        if len(paragraphs) < need:
            raise common.BenchError(f"only {len(paragraphs)} {label} paragraphs of {words}+ words; lower --words")
        chosen = rng.sample(paragraphs, need)
        start = 0
        for part, count in PER_CLASS.items():
            rows[part] += [(label, " ".join(p.split()[:words])) for p in chosen[start:start + count]]
            start += count
    paths = {}
    for part, part_rows in rows.items():
        rng.shuffle(part_rows)
        paths[part] = folder / f"{part}.tsv"
        paths[part].write_text("label\ttext\n" + "".join(f"{label}\t{text}\n" for label, text in part_rows),
                               encoding="utf-8")
    return paths


def resolve_source(name: str, home: Path) -> tuple[str, str]:
    """(model reference, how it was obtained): the bundled model, or one trained here as a stand-in."""
    from rnnlm_studio.core.checkpoint import resolve_model
    from rnnlm_studio.core.errors import ModelFileError

    try:
        path = resolve_model(name)
        return str(path), name if str(path) == name else f"{name} ({path})"
    except ModelFileError:
        pass
    print(f"source {name!r} not found: training a stand-in on War and Peace for {FALLBACK_SOURCE_BUDGET:g} s",
          flush=True)
    args = ["train", "--train", str(common.WAR_AND_PEACE), *FALLBACK_SOURCE_ARCH,
            "--time-budget", str(FALLBACK_SOURCE_BUDGET), "--name", "bench-task-source"]
    done = common.done_event(common.run_cli(args, timeout=FALLBACK_SOURCE_BUDGET + 900, home=home))
    command = " ".join(["rnnlm-studio train --train war-and-peace", *FALLBACK_SOURCE_ARCH,
                        f"--time-budget {FALLBACK_SOURCE_BUDGET:g}"])
    return done["best_checkpoint"], f"stand-in: `{command}` (valid word ppl {done['valid']['word_ppl']:.1f})"


def run_classifier(paths: dict[str, Path], source: str, budget: dict[str, float], seed: int,
                   pretrained: bool) -> dict[str, Any]:
    from rnnlm_studio.core.classify import train_task
    from rnnlm_studio.core.config import TrainConfig

    config = TrainConfig(train=[str(paths["train"])], valid=str(paths["valid"]), test=str(paths["test"]),
                         source=source, transfer="task", seed=seed, **budget)
    events = [event.to_dict() for event in train_task(config, pretrained=pretrained)]
    done = common.done_event(events)
    return {"test": done["test"], "valid": done["valid"], "steps": done["step"], "seconds": done["elapsed"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="training seconds per run (default 60)")
    parser.add_argument("--steps", type=int, help="equal optimiser steps per run instead of equal seconds")
    parser.add_argument("--source", default="english-lstm", help="source model (default: bundled english-lstm)")
    parser.add_argument("--words", type=int, default=30, help="words per example (default 30)")
    parser.add_argument("--seeds", type=int, default=1, help="repeat both runs with this many seeds (default 1)")
    args = parser.parse_args(argv)
    budget = {"max_steps": args.steps} if args.steps else {"time_budget": args.budget}
    budget_text = f"{args.steps} steps" if args.steps else f"{args.budget:g} s"
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-task-") as tmp:
        home = Path(tmp) / "home"
        os.environ["RNNLM_STUDIO_HOME"] = str(home)
        paths = build_dataset(Path(tmp), args.words, seed=0)
        source, origin = resolve_source(args.source, home)
        runs = {kind: [run_classifier(paths, source, budget, seed, kind == "transfer")
                       for seed in range(args.seeds)] for kind in ("transfer", "scratch")}
    summary = {kind: {metric: statistics.mean(r["test"][metric] for r in results)
                      for metric in ("accuracy", "macro_f1")} for kind, results in runs.items()}
    gain = summary["transfer"]["accuracy"] - summary["scratch"]["accuracy"]
    headers = ["classifier", "test accuracy", "test macro-F1", "valid accuracy", "steps", "seconds"]
    rows = [[kind, summary[kind]["accuracy"], summary[kind]["macro_f1"],
             statistics.mean(r["valid"]["accuracy"] for r in results),
             round(statistics.mean(r["steps"] for r in results)),
             statistics.mean(r["seconds"] for r in results)] for kind, results in runs.items()]
    rows.append(["transfer - scratch", gain, summary["transfer"]["macro_f1"] - summary["scratch"]["macro_f1"],
                 "", "", ""])
    title = (f"task transfer vs scratch: novel vs wikipedia, {args.words} words an example, "
             f"{PER_CLASS['train']}/{PER_CLASS['valid']}/{PER_CLASS['test']} per class, {budget_text} each, "
             f"{args.seeds} seed(s); source: {origin}")
    common.print_table(title, headers, rows)
    print(f"target: transfer beats scratch in test accuracy -> {'PASS' if gain > 0 else 'FAIL'}")
    common.write_results("task", {"budget": budget, "words": args.words, "per_class": PER_CLASS,
                                  "source": origin, "runs": runs, "summary": summary, "accuracy_gain": gain,
                                  "passed": gain > 0})


if __name__ == "__main__":
    main()
