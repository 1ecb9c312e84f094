"""Whitespace a model's tokenizer has no piece for: scored as a space, plus the bits that say which.

A tokenizer with identity normalisation and byte fallback spells a character it has no piece
for in byte pieces. A tab in text its model never met is such a character, and the model never
learnt to predict that byte piece: scored zero-shot by the 1x640 `english-lstm`, 100 KB of
tab-separated quotations came to word ppl 231,365 with their tabs and 51,782 with the tabs typed
as spaces. Which whitespace separates two fields says little about the text, and a source model
should not be judged on it.

So zero-shot scoring (`eval`, `sources`) folds every whitespace character the tokenizer has no
piece for into a space, and charges, for each space of the folded text, the bits that say which
whitespace was really there: an adaptive Krichevsky-Trofimov code over {space, the folded
characters}, whose total for n spaces is log G(n + m/2) - log G(m/2) - sum_a [log G(c_a + 1/2) -
log G(1/2)] nats (m symbols, c_a occurrences of each, G the gamma function). Like the model, it
sees only the text before each position, so model + side code is still a lossless code length of
the original text, over its original bytes; a text without such characters scores exactly as
before. Nothing else changes: tokenizers keep identity normalisation, so training, generation and
decode stay lossless, and a fine-tuned model trains on the tabs as they are. Other characters a
tokenizer lacks stay spelled in bytes (their cost is the source's coverage, which `sources`
reports).
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .corpus import CorpusStats, TextSource, utf8_len
from .metrics import LN2, summarize
from .tokenizer import Tokenizer

# Unicode whitespace inside a line (the newline is the end-of-line token, never folded).
WHITESPACE = "\t\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + \
    "\u2028\u2029\u202f\u205f\u3000"
SPACE = " "


@dataclass(frozen=True)
class Tally:
    """What folding did to a text: spaces after folding, each folded character's count, bytes saved."""

    spaces: int
    folded: dict[str, int]
    bytes_saved: int

    def side_nats(self, symbols: int) -> float:
        """The adaptive code length of which whitespace each space was, over `symbols` choices."""
        if not self.folded:
            return 0.0
        half = 0.5
        total = math.lgamma(self.spaces + symbols * half) - math.lgamma(symbols * half)
        plain = self.spaces - sum(self.folded.values())
        for count in (plain, *self.folded.values()):
            total -= math.lgamma(count + half) - math.lgamma(half)
        return total


@dataclass(frozen=True)
class WhitespaceFold:
    """The whitespace characters a tokenizer has no piece for, and how a text scored with it is folded."""

    chars: str

    @classmethod
    def unseen_by(cls, tokenizer: Tokenizer) -> WhitespaceFold:
        """Characters of WHITESPACE no piece contains: the tokenizer would spell them in bytes."""
        known = set("".join(tokenizer.pieces()))
        return cls("".join(c for c in WHITESPACE if c not in known))

    def fold(self, line: str) -> str:
        return line.translate({ord(c): SPACE for c in self.chars}) if self.chars else line

    def source(self, text: TextSource) -> TextSource:
        """`text` as the model reads it (itself when nothing needs folding)."""
        return _FoldedSource(text, self) if self.chars else text

    def tally(self, text: TextSource) -> Tally:
        counts: Counter[str] = Counter()
        spaces = saved = 0
        for line in text.iter_lines():
            folded = self.fold(line)
            spaces += folded.count(SPACE)
            if folded == line:
                continue
            counts.update(c for c in line if c in self.chars)
            saved += utf8_len(line) - utf8_len(folded)
        return Tally(spaces, dict(counts), saved)

    def charge(self, metrics: dict[str, float], tally: Tally, n_words: int, n_bytes: int) -> dict[str, float]:
        """`metrics` of the folded text (its `n_words` words, `n_bytes` bytes) turned into those of the
        original: the side code's nats added to each total, over the original bytes."""
        if not tally.folded:
            return metrics
        side = tally.side_nats(len(self.chars) + 1)
        out = dict(metrics, folded_whitespace=float(sum(tally.folded.values())), whitespace_bits=side / LN2)
        for prefix in ("", "cached_"):
            if prefix + "bpb" in metrics:
                total = metrics[prefix + "bpb"] * LN2 * n_bytes
                tokens = max(1, round(total / metrics[prefix + "loss"])) if metrics[prefix + "loss"] else 1
                fixed = summarize(total + side, tokens, n_words, n_bytes + tally.bytes_saved)
                out.update({prefix + key: value for key, value in fixed.items()})
        return out


class _FoldedSource:
    """A TextSource read through a fold; its own fingerprint, so its token cache is its own."""

    def __init__(self, inner: TextSource, fold: WhitespaceFold) -> None:
        self.inner, self._fold = inner, fold

    def iter_lines(self) -> Iterator[str]:
        return (self._fold.fold(line) for line in self.inner.iter_lines())

    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.inner.fingerprint()}:fold:{self._fold.chars}".encode()).hexdigest()

    def stats(self) -> CorpusStats:
        return self.inner.stats()
