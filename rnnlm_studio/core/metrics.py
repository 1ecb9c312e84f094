"""Loss -> the three perplexities DESIGN.md reports.

Token perplexity depends on the vocabulary, so runs with different tokenizers are only
comparable per word (total NLL / words, where a Chinese or Japanese character is a word:
core/words.py) or in bits per byte (total NLL in bits / UTF-8 bytes). Every number here is computed from the *total* NLL of a text.
"""
from __future__ import annotations

import math
from typing import Any

LN2 = math.log(2.0)


def safe_exp(x: float) -> float:
    """exp that reports infinity instead of raising for a diverged model."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def summarize(total_nll: float, n_tokens: int, n_words: int, n_bytes: int) -> dict[str, float]:
    """Metrics of one evaluated text from its total NLL in nats.

    `n_words` and `n_bytes` are those of the same text the `n_tokens` tokens encode,
    including the end-of-line predictions, exactly as a word-level baseline that
    predicts `<eos>` is converted (its total NLL / whitespace words).
    """
    if n_tokens <= 0:
        raise ValueError("cannot summarise an empty text")
    loss = total_nll / n_tokens
    return {
        "loss": loss,
        "ppl": safe_exp(loss),
        "word_ppl": safe_exp(total_nll / max(n_words, 1)),
        "bpb": total_nll / LN2 / max(n_bytes, 1),
    }


CACHED = "cached_"  # prefix of the figures scored with the neural cache, an option beside the network's


def with_cache(metrics: dict[str, float]) -> dict[str, float]:
    """The cached scoring's figures under their own names: the cache learns from the text it scores,
    so its figures sit beside the network's (`cached_word_ppl` beside `word_ppl`), never in their place."""
    return {CACHED + key: value for key, value in metrics.items()}


def cache_note(metrics: dict[str, float]) -> str:
    """" (with cache X)": the cached word perplexity, where scoring also used the neural cache."""
    cached = metrics.get(CACHED + "word_ppl")
    return "" if cached is None else f" (with cache {cached:.2f})"


def word_ppl_label(word_unit: str) -> str:
    """The column name for `word_ppl`: Chinese runs are per character (core/words.py)."""
    return "char ppl" if word_unit == "character" else "word ppl"


TASK_METRIC = "accuracy"  # the figure every task run reports: its presence marks a task run's metrics
TASK_COLUMNS = {"accuracy": "accuracy", "macro_f1": "macro-F1", "entity_f1": "entity F1"}  # key: column name


def is_task_metrics(metrics: dict | None) -> bool:
    """Whether a run's figures are a task run's (accuracy, F1) rather than a language model's perplexities."""
    return bool(metrics) and TASK_METRIC in metrics


def format_task_metric(key: str, value: float) -> str:
    """Accuracy as a percentage, an F1 as a fraction (how papers print them); nan as a dash."""
    if not math.isfinite(value):
        return "-"
    return f"{value:.1%}" if key == TASK_METRIC else f"{value:.3f}"


def eval_figures(event: Any) -> str:
    """An evaluation's figures after its loss, for a log line: a task run's accuracy and F1s, else the
    perplexities and bits per byte. `event` is an EvalEvent."""
    if is_task_metrics(event.extra):
        return " ".join(f"{label} {format_task_metric(key, event.extra[key])}" for key, label in TASK_COLUMNS.items()
                        if key in event.extra)
    return (f"ppl {event.ppl:.2f} {word_ppl_label(event.word_unit)} {event.word_ppl:.2f}{cache_note(event.extra)} "
            f"bpb {event.bpb:.4f}")
