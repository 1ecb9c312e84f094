"""Do the defaults beat the recipe everyone knows? Word perplexity after the same time budget.

For each corpus: the classic pytorch/examples word LSTM trains for the budget, then
`rnnlm-studio train` with NO model options trains for the same budget on the same text.
Both are scored in word perplexity (total NLL / whitespace words of the eval text), the one
measure that is comparable across tokenizers. Target: ours / classic <= 0.80, ours being the
network alone; the neural cache's figure (`--cache-window 2000`) is a column beside it. The classic
recipe scores every eval word missing from its vocabulary as `<unk>` (about 3 nats on WikiText-2),
while ours must spell such a word out (about 22 nats): the OOV column says how many there are.
The open-vocabulary columns charge each of those words, on top of `<unk>`, the cost of spelling it
under a character model of the training words (spelling.py); the target is judged on the literal
ratio.

    python -m tests.bench.bench_defaults [--budget 120] [--corpus wikitext|shakespeare]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from . import common
from .classic_recipe import train_classic

TARGET_RATIO = 0.80
CACHE_WINDOW = 2000  # the neural cache's figure is reported beside the network's, never as the ratio


def run_ours(train: Path, valid: Path, budget: float) -> dict[str, float]:
    """The project's trainer with nothing but data and a budget, as a new user would run it."""
    args = ["train", "--train", str(train), "--valid", str(valid), "--time-budget", str(budget),
            "--cache-window", str(CACHE_WINDOW)]
    done = common.done_event(common.run_cli(args, timeout=2 * budget + 600))
    return {"word_ppl": float(done["valid"]["word_ppl"]), "tokens_per_s": float(done["tokens_per_s"]),
            "cached_word_ppl": float(done["valid"]["cached_word_ppl"])}


def bench_corpus(name: str, budget: float, folder: Path) -> dict[str, Any]:
    train_path, eval_path = common.corpus_files(name, folder)
    train_text, eval_text = common.corpus_texts(name)
    classic = train_classic(train_text, eval_text, budget)
    ours = run_ours(train_path, eval_path, budget)
    ratio = ours["word_ppl"] / classic["word_ppl"]
    return {"corpus": name, "budget_s": budget, "classic": classic, "ours": ours,
            "ratio": ratio, "open_vocab_ratio": ours["word_ppl"] / classic["open_vocab_word_ppl"],
            "target": TARGET_RATIO, "passed": ratio <= TARGET_RATIO}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="training seconds per run (default 120)")
    parser.add_argument("--corpus", choices=common.CORPORA, help="run one corpus only (default: all)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-defaults-") as tmp:
        results = [bench_corpus(name, args.budget, Path(tmp)) for name in ([args.corpus] if args.corpus
                                                                           else common.CORPORA)]
    headers = ["corpus", "classic word ppl", "ours word ppl", "ours/classic", "target", "pass",
               "ours, with cache", "classic OOV words", "classic, OOV spelled", "ours/spelled",
               "classic tok/s", "ours tok/s"]
    rows = [[r["corpus"], r["classic"]["word_ppl"], r["ours"]["word_ppl"], r["ratio"], f"<= {TARGET_RATIO}",
             r["passed"], r["ours"]["cached_word_ppl"], r["classic"]["eval_oov_fraction"],
             r["classic"]["open_vocab_word_ppl"], r["open_vocab_ratio"],
             r["classic"]["tokens_per_s"], r["ours"]["tokens_per_s"]] for r in results]
    common.print_table(f"defaults vs classic recipe, {args.budget:g} s budget each", headers, rows)
    common.write_results("bench_defaults", {"results": results})


if __name__ == "__main__":
    main()
