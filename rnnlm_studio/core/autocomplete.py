"""Whole-word autocomplete while the user types: the next words' probabilities and a ghost phrase.

`IncrementalEncoder` keeps the hidden state of a prompt that changes a keystroke at a time, so
only what is new runs through the model; `Autocompleter` searches the words that may follow.
The CLI's `complete` and the Playground's suggestions are two faces of this module.
"""
from __future__ import annotations

import heapq
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch.nn import functional as F

from .decoding import (NEG_INF, PieceTable, advance, cat_hidden, context_ids, logits_of, model_device, one_thread,
                       select_rows, step)
from .errors import ConfigError
from .model import RNNLM, Hidden
from .words import is_cjk, split_partial

if TYPE_CHECKING:
    from .tokenizer import Tokenizer


@dataclass
class State:
    """The hidden state after some ids, the next token's log-probs [V], and what the word
    search derives from them (computed once per state, since typing revisits states)."""

    hidden: Hidden
    log_probs: torch.Tensor
    end: float | None = None  # log P(the next piece ends the word: a word start, <eos>, punctuation)
    starts: list[tuple[int, float]] | None = None  # most probable pieces that begin a word
    continuations: list[tuple[int, float]] | None = None  # most probable pieces that continue one


class StateMemo:
    """States after id sequences, least recently used dropped first.

    Typing revisits the same few sequences over and over: the word being typed is the
    word the previous keystroke's suggestions spelled out, and the next word's first
    pieces are the ghost phrase's. Keys are whole id tuples, so an entry is valid for
    as long as the model is the same, whatever the prompt does.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, ...], State] = OrderedDict()

    def get(self, key: tuple[int, ...]) -> State | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: tuple[int, ...], state: State) -> None:
        self._items[key] = state
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __contains__(self, key: tuple[int, ...]) -> bool:
        return key in self._items


class IncrementalEncoder:
    """The next-token distribution of a prompt that changes a little at a time (typing).

    The hidden state is cached at word starts of the prompt's ids. When the prompt
    changes, its ids are compared with the cached ones and only the tail from the last
    cached state inside the unchanged prefix is run. SentencePiece may re-split the word
    being typed, so the last word is always re-run; everything before it is exactly what
    encoding the whole prompt from scratch computes. A `memo` shared with the word search
    can hand over the state of a prompt whose last word the search has already run.
    """

    def __init__(self, model: RNNLM, tokenizer: "Tokenizer", table: PieceTable | None = None,
                 memo: StateMemo | None = None) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.table = table or PieceTable(tokenizer)
        self.memo = memo
        self.ids: list[int] = []
        self.tokens_run = 0  # tokens the last update ran through the model (tests, benchmarks)
        self._text: str | None = None
        self._cache: dict[int, Hidden] = {}
        self._state = State([], torch.empty(0))

    def update(self, text: str) -> torch.Tensor:
        """Make `text` the prompt; returns the next token's log-probabilities [V]."""
        if text != self._text:
            ids = context_ids(self.tokenizer, text)
            known = self.memo.get(tuple(ids)) if self.memo is not None else None
            if known is not None:
                self._cache = {p: h for p, h in self._cache.items() if p <= _common_prefix(self.ids, ids)}
                self._cache[len(ids)] = known.hidden
                self.tokens_run, self._state = 0, known
            else:
                self._state = self._run(ids)
                if self.memo is not None:
                    self.memo.put(tuple(ids), self._state)
            self.ids, self._text = ids, text
        return self._state.log_probs

    @property
    def state(self) -> State:
        """(hidden, next-token log-probs) after the whole prompt, as of the last `update`."""
        return self._state

    def _run(self, ids: list[int]) -> State:
        keep = min(_common_prefix(self.ids, ids), self._last_word_start(ids))
        start = max((p for p in self._cache if p <= keep), default=0)
        self._cache = {p: h for p, h in self._cache.items() if p <= start}
        hidden = self._cache.get(start)
        with torch.inference_mode():
            for lo, hi in self._segments(ids, start):
                last, hidden = advance(self.model, ids[lo:hi], hidden)
                self._cache[hi] = hidden
            log_probs = F.log_softmax(logits_of(self.model, last), dim=-1)[0].cpu()
        self.tokens_run = len(ids) - start
        return State(hidden, log_probs)

    def _last_word_start(self, ids: Sequence[int]) -> int:
        for pos in range(len(ids) - 1, 0, -1):
            if self.table.boundary[ids[pos]]:
                return pos
        return 0

    def _segments(self, ids: Sequence[int], start: int) -> list[tuple[int, int]]:
        """Split ids[start:] before each of its last two word starts, caching states there.

        The next keystroke resumes from one of those (usually the last); earlier text runs
        as one sequence, which is far cheaper than a call per word. Typing forward, every
        word start is one of the last two once, so all of them get cached on the way.
        `start` is always before the last word, so at least one segment runs.
        """
        cuts = [p for p in range(start + 1, len(ids)) if self.table.boundary[ids[p]]][-2:]
        edges = [start, *cuts, len(ids)]
        return list(zip(edges, edges[1:]))


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True)
class WordSuggestion:
    """A whole next word: `text` is what to insert after the prompt, `word` the complete word."""

    text: str
    word: str
    probability: float


@dataclass(frozen=True)
class Suggestions:
    words: list[WordSuggestion]
    phrase: str  # ghost text: the rest of the best word and a few words after it


@dataclass
class _Path:
    """A word being spelled out: all ids so far (prompt included), its bytes, its log-probability."""

    key: tuple[int, ...]
    surface: bytes
    logp: float


@dataclass
class _Word:
    """A finished word: its probability summed over the piece paths that spell it, and
    its most probable path, where a ghost phrase continues from."""

    surface: bytes
    probability: float = 0.0
    best: tuple[float, tuple[int, ...]] = (NEG_INF, ())

    def add(self, logp: float, key: tuple[int, ...]) -> None:
        self.probability += math.exp(logp)
        self.best = max(self.best, (logp, key))


class Autocompleter:
    """Per-keystroke suggestions for one model; keeps states between calls.

    A word ends where the next piece starts a new word ("▁"), ends the line, or starts
    with punctuation, so "said" is suggested once rather than as "said", "said," and
    "said." (punctuation the user has typed is matched like letters). A word's
    probability is the product of its pieces' probabilities times the probability that
    the word ends there, i.e. the probability that the next word is exactly it; suggestions
    are therefore disjoint events and sum to at most 1. A beam of `beam_width` partial
    words is expanded piece by piece, and a partial word already less probable than the
    k-th best finished one (or than MIN_SHARE of the best) is dropped: its probability can
    only shrink.
    Every state computed goes into a `StateMemo`, so the next keystroke runs only what is new.
    Thread-safe: one suggestion is computed at a time.
    """

    BEAM_WIDTH = 8

    def __init__(self, model: RNNLM, tokenizer: "Tokenizer", *, beam_width: int = BEAM_WIDTH,
                 max_pieces: int = 8, memo_size: int = 1024, table: PieceTable | None = None) -> None:
        model.eval()
        self.model, self.tokenizer = model, tokenizer
        self.table = table or PieceTable(tokenizer)
        self.memo = StateMemo(memo_size)
        self.encoder = IncrementalEncoder(model, tokenizer, self.table, self.memo)
        self.beam_width, self.max_pieces = beam_width, max_pieces
        self.model_calls = 0  # batches the last `suggest` ran through the model (tests, benchmarks)
        self._lock = threading.Lock()

    def suggest(self, prompt: str, k: int = 5, phrase_words: int = 3) -> Suggestions:
        """The k most probable next words (completing a word typed halfway) and a ghost phrase."""
        if k <= 0:
            raise ConfigError(f"-k must be a positive integer, got {k}")
        context, partial = split_partial(prompt)
        with self._lock, torch.inference_mode(), one_thread():
            self.model_calls = 0
            self.encoder.update(context.rstrip(" \t"))
            root = tuple(self.encoder.ids)
            self.memo.put(root, self.encoder.state)
            # A Latin word typed right after a CJK character starts without a space ("用Pyth").
            after_cjk = bool(partial) and is_cjk(context[-1:])
            words = self._words(root, partial.encode("utf-8"), k, start=not after_cjk)
            ranked = sorted(words.values(), key=lambda w: -w.probability)[:k]
            suggestions = [WordSuggestion(w.surface.decode()[len(partial):], w.surface.decode(), w.probability)
                           for w in ranked]
            more = self._phrase(ranked[0].best[1], phrase_words) if ranked and phrase_words > 1 else ""
        return Suggestions(suggestions, suggestions[0].text + more if suggestions else "")

    def _words(self, root: tuple[int, ...], typed: bytes, k: int, start: bool = True) -> dict[bytes, _Word]:
        frontier = self._extend([_Path(root, b"", 0.0)], typed, start=start)
        words: dict[bytes, _Word] = {}
        for _ in range(self.max_pieces):
            bound = _bound(words, k)
            frontier = [p for p in frontier if p.logp > bound]
            if not frontier:
                break
            for path, state in zip(frontier, self._states([p.key for p in frontier])):
                if len(path.surface) >= len(typed) and _is_word(path.surface):
                    words.setdefault(path.surface, _Word(path.surface)).add(path.logp + state.end, path.key)
            frontier = self._extend(frontier, typed, start=False)
        return words

    def _extend(self, paths: list[_Path], typed: bytes, start: bool) -> list[_Path]:
        """The beam's next partial words: each path extended by the pieces that agree with `typed`."""
        candidates: list[tuple[float, int, int]] = []
        for index, (path, state) in enumerate(zip(paths, self._states([p.key for p in paths]))):
            rest = typed[len(path.surface):]
            if rest:
                ids = self.table.consistent(rest, word_start=start)
                top = state.log_probs[ids].topk(min(self.beam_width, len(ids))) if ids else None
                chosen = zip((ids[i] for i in top.indices.tolist()), top.values.tolist()) if top else ()
            else:
                chosen = self._starts(state) if start else state.continuations
            candidates += [(path.logp + v, index, t) for t, v in chosen if v > NEG_INF]
        best = heapq.nlargest(self.beam_width, candidates)
        return [_Path(paths[i].key + (t,), paths[i].surface + self.table.surface[t], logp) for logp, i, t in best]

    def _starts(self, state: State) -> list[tuple[int, float]]:
        if state.starts is None:
            top = (state.log_probs + self.table.word_first_penalty).topk(self.beam_width)
            state.starts = list(zip(top.indices.tolist(), top.values.tolist()))
        return state.starts

    def _states(self, keys: list[tuple[int, ...]]) -> list[State]:
        """States after each key, running all the missing ones in one batch (parents first),
        with the facts the word search needs computed for the whole batch at once."""
        missing = list(dict.fromkeys(key for key in keys if key not in self.memo))
        if missing:
            parents = [key[:-1] for key in missing]
            self._states([p for p in parents if p not in self.memo])
            hidden = cat_hidden([self.memo.get(p).hidden for p in parents])
            logits, hidden = step(self.model, [key[-1] for key in missing], hidden)
            log_probs = F.log_softmax(logits, dim=-1).cpu()
            ends = (log_probs + self.table.end_penalty).logsumexp(dim=-1).tolist()
            top = (log_probs + self.table.inner_penalty).topk(self.beam_width, dim=-1)
            for row, key in enumerate(missing):
                rows = torch.tensor([row], device=model_device(self.model))
                self.memo.put(key, State(select_rows(hidden, rows), log_probs[row], ends[row],
                                         continuations=list(zip(top.indices[row].tolist(),
                                                                top.values[row].tolist()))))
            self.model_calls += 1
        states = [self.memo.get(key) for key in keys]
        for state in states:
            if state.end is None:
                state.end = float((state.log_probs + self.table.end_penalty).logsumexp(dim=-1))
                top = (state.log_probs + self.table.inner_penalty).topk(self.beam_width)
                state.continuations = list(zip(top.indices.tolist(), top.values.tolist()))
        return states

    def _phrase(self, key: tuple[int, ...], n_words: int) -> str:
        """Greedy words after a finished word, until `n_words` words or a sentence end.

        Line ends are left out: in hard-wrapped training text (most books) a line may end
        after almost any word, and a ghost that stopped there would show nothing.
        """
        table, out = self.table, []
        allowed, started = table.word_first_penalty, 1
        for _ in range(4 * n_words):
            token = int((self._states([key])[0].log_probs + allowed).argmax())
            if table.boundary[token] and started == n_words:
                break
            started += int(bool(table.boundary[token]))
            out.append(token)
            key, allowed = key + (token,), table.visible_penalty
            if table.ends_sentence(token):
                break
        return table.text(out)


MIN_SHARE = 1e-3  # a word under this share of the best one's probability is not worth searching for


def _bound(words: dict[bytes, _Word], k: int) -> float:
    """Log-probability a partial word must beat to be worth spelling out: the k-th best
    finished word's, and at least MIN_SHARE of the best one's (lists show shares)."""
    if not words:
        return NEG_INF
    ranked = sorted((w.probability for w in words.values()), reverse=True)
    floor = math.log(ranked[0] * MIN_SHARE)
    return max(floor, math.log(ranked[k - 1])) if len(ranked) >= k else floor


def _is_word(data: bytes) -> bool:
    """Whole characters, printable, no whitespace, a letter or digit: what a user would
    accept as a word."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.isprintable() and not any(c.isspace() for c in text) and any(c.isalnum() for c in text)


def complete(loaded: Any, prompt: str, k: int = 5) -> list[WordSuggestion]:
    """The k most probable next whole words after `prompt`, most probable first."""
    return Autocompleter(loaded.model, loaded.tokenizer).suggest(prompt, k, phrase_words=0).words


def phrase(loaded: Any, prompt: str, max_words: int = 3) -> str:
    """A short greedy completion (up to `max_words` words, the one being typed included)."""
    return Autocompleter(loaded.model, loaded.tokenizer).suggest(prompt, 1, phrase_words=max_words).phrase
