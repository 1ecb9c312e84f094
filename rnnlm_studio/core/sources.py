"""Which source model suits a text: each available source's zero-shot score on a sample of it.

Transfer helps when the source already predicts the target well, so the cheapest honest guide
is to let every source read a sample of the target and count the bits: zero-shot bits per byte,
the network alone, comparable across tokenizers (per byte, never per token). Whitespace a source's
tokenizer lacks is read as a space and paid for separately (core/whitespace.py), so a TSV file is
not ranked by its tabs. For a run with a new tokenizer, `coverage` says how much of that
tokenizer's vocabulary each source knows: the share of its pieces the source has verbatim
(copied rows) and the share it can compose from its own pieces (vocab_map.py).
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .checkpoint import list_models, load_model
from .config import AUTO_VOCAB, TrainConfig
from .corpus import Corpus, CorpusStats, TextSource, utf8_len
from .dataset import cached_tokenizer
from .device import resolve_device
from .errors import StudioError
from .evaluate import score_text
from .tokenizer import Tokenizer
from .vocab_map import plan_rows

SAMPLE_BYTES = 32_000  # enough to order sources that differ by a tenth of a bit a byte; seconds per source


@dataclass
class SourceScore:
    name: str
    origin: str  # bundled | installed
    path: str
    bpb: float = math.nan  # zero-shot bits per byte on the sample, network alone
    word_ppl: float = math.nan
    copied: float | None = None  # share of a new tokenizer's pieces the source has verbatim
    composed: float | None = None  # ... and the share it can build from its own pieces
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {key: (None if isinstance(value, float) and not math.isfinite(value) else value)
                for key, value in asdict(self).items()}


@dataclass
class Ranking:
    sample_bytes: int
    scores: list[SourceScore]  # best (fewest bits per byte) first; sources that failed last

    def to_dict(self) -> dict[str, Any]:
        return {"sample_bytes": self.sample_bytes, "sources": [score.to_dict() for score in self.scores]}


class TextSample:
    """The head of a text, whole lines up to `limit` bytes: a TextSource every source reads alike."""

    def __init__(self, text: TextSource, limit: int) -> None:
        self.lines: list[str] = []
        self.bytes = 0
        for line in text.iter_lines():
            if self.lines and self.bytes + utf8_len(line) + 1 > limit:
                break
            self.lines.append(line)
            self.bytes += utf8_len(line) + 1

    def iter_lines(self) -> Iterator[str]:
        return iter(self.lines)

    def fingerprint(self) -> str:
        return hashlib.sha256("\n".join(self.lines).encode("utf-8", "surrogatepass")).hexdigest()

    def stats(self) -> CorpusStats:
        raise NotImplementedError("a sample is only scored")


def rank_sources(text_paths: Sequence[str], *, new_tokenizer: bool = False, kind: str = "unigram",
                 vocab_size: int = AUTO_VOCAB, sample_bytes: int = SAMPLE_BYTES, device: str = "auto",
                 on_score: Callable[[SourceScore], None] | None = None) -> Ranking:
    """Score every bundled and installed source on the head of the text; `on_score` sees each as it
    comes. With `new_tokenizer`, the tokenizer a run would train on the whole text is built (and
    cached for that run) to measure each source's coverage of it."""
    if sample_bytes <= 0:
        raise StudioError(f"--sample-bytes must be a positive number of bytes, got {sample_bytes}")
    corpus = Corpus.open(list(text_paths))
    sample = TextSample(corpus, sample_bytes)
    if sample.bytes == 0:
        raise StudioError("the text is empty: there is nothing to score the sources on")
    target = cached_tokenizer(corpus, kind, vocab_size)[0] if new_tokenizer else None
    scores = []
    for info in list_models():
        score = _score(SourceScore(info.name, info.origin, str(info.path)), sample, target, device)
        scores.append(score)
        if on_score is not None:
            on_score(score)
    scores.sort(key=lambda s: (bool(s.error), s.bpb if math.isfinite(s.bpb) else math.inf))
    return Ranking(sample.bytes, scores)


def _score(score: SourceScore, sample: TextSample, target: Tokenizer | None, device: str) -> SourceScore:
    """One source's figures; a source that cannot be read gets an error, never hides the others."""
    try:
        dev, precision = resolve_device(TrainConfig(device=device))
        loaded = load_model(score.path, dev)
        metrics = score_text(loaded, sample, dev, precision)
        score.bpb, score.word_ppl = metrics["bpb"], metrics["word_ppl"]
        if target is not None:
            plan = plan_rows(loaded.tokenizer, target)
            score.copied, score.composed = plan.copied / target.vocab_size, plan.composed / target.vocab_size
    except StudioError as exc:
        score.error = str(exc)
    return score


def format_ranking(ranking: Ranking, new_tokenizer: bool) -> str:
    """A fixed-width table, best source first, and what the figures are."""
    headers = ["rank", "source", "origin", "bits/byte", "word ppl"] + (["copied", "composed"] if new_tokenizer else [])
    rows = [headers]
    for rank, score in enumerate(ranking.scores, 1):
        if score.error:
            rows.append([str(rank), score.name, score.origin, "-", "-"] + (["-", "-"] if new_tokenizer else []))
            continue
        row = [str(rank), score.name, score.origin, f"{score.bpb:.3f}", _ppl(score.word_ppl)]
        if new_tokenizer:
            row += [f"{score.copied:.0%}", f"{score.composed:.0%}"]
        rows.append(row)
    widths = [max(len(row[col]) for row in rows) for col in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) if col in (1, 2) else cell.rjust(w) for col, (cell, w) in
                       enumerate(zip(row, widths))) for row in rows]
    lines.append(f"zero-shot on the first {ranking.sample_bytes:,} bytes of the text, the network alone; "
                 "fewer bits per byte = a source that already knows this kind of text")
    if new_tokenizer:
        lines.append("copied / composed: shares of the new tokenizer's pieces the source has as they are / "
                     "can build from its own pieces (the rest start from the mean embedding)")
    lines += [f"{score.name}: {score.error}" for score in ranking.scores if score.error]
    return "\n".join(lines)


def _ppl(value: float) -> str:
    return f"{value:,.1f}" if value < 1e5 else f"{value:.3g}"
