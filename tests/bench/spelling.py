"""What spelling out an unseen word costs: the open-vocabulary view of a word-level baseline.

A word-level model scores every word missing from its vocabulary as `<unk>`, so its perplexity is
over fewer outcomes than an open-vocabulary model's, which must produce the word itself. The usual
remedy (e.g. Mielke & Eisner 2019) charges each `<unk>` the cost of spelling its word under a
character model of the training text: p(word) = p(<unk> | context) · p_spell(word). This is that
character model: a bigram over the characters of the training word types, interpolated
(Witten-Bell) with an add-one unigram that keeps one share for characters training never showed,
each of those then uniform over Unicode. It sums to 1 over all strings, so the charged word
perplexity is a proper one.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict

START, END, UNSEEN = "\x02", "\x03", "\x00"
UNICODE_CODE_POINTS = 0x110000


class CharBigramSpeller:
    def __init__(self, words: set[str]) -> None:
        self.bigrams: dict[str, Counter[str]] = defaultdict(Counter)
        unigrams: Counter[str] = Counter()
        for word in words:
            chars = [START, *word, END]
            for prev, char in zip(chars, chars[1:]):
                self.bigrams[prev][char] += 1
                unigrams[char] += 1
        outcomes = [*unigrams, UNSEEN]
        total = sum(unigrams.values()) + len(outcomes)
        self.unigram = {char: (unigrams[char] + 1) / total for char in outcomes}
        self.unseen_chars = UNICODE_CODE_POINTS - (len(unigrams) - (END in unigrams))

    def _prob(self, prev: str, char: str) -> float:
        known = char in self.unigram
        backoff = self.unigram[char] if known else self.unigram[UNSEEN] / self.unseen_chars
        following = self.bigrams.get(prev)
        if not following:
            return backoff
        seen, distinct = sum(following.values()), len(following)
        weight = seen / (seen + distinct)
        return weight * following[char] / seen + (1 - weight) * backoff

    def nll(self, word: str) -> float:
        """Nats to spell `word` and end it."""
        chars = [START, *word, END]
        return -sum(math.log(self._prob(prev, char)) for prev, char in zip(chars, chars[1:]))
