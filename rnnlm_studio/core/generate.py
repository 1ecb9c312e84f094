"""Text from a trained model: sampling, beam search, whole-word autocomplete and surprisal.

The CLI (`generate`, `complete`) and the GUI Playground are two faces of this module, so
everything here is plain functions and generators over a loaded model (anything with
`.model` and `.tokenizer`, normally a `checkpoint.LoadedModel`); nothing knows of threads
except the `stop` event `generate` checks between tokens.

Every prompt is read the way the trainer saw text: after an end-of-line (`<eos>`), so an
empty prompt means "the start of a line" and the first token of a prompt has a context.
Words are whitespace words: SentencePiece marks a piece that starts one with "▁", and
`<eos>` ends a word too. A Chinese or Japanese character is a word of its own (core/words.py),
so a piece that begins with one begins a word without a space, and Chinese suggestions are the
next characters (or the multi-character pieces of a unigram vocabulary: short phrases).
"""
from __future__ import annotations

import bisect
import heapq
import math
import re
import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import torch
from torch.nn import functional as F

from .errors import ConfigError
from .model import RNNLM, Hidden
from .words import is_cjk, split_partial, starts_with_cjk

if TYPE_CHECKING:
    from .tokenizer import Tokenizer

STOP_AT = ("line", "sentence")
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]」』]*$")
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
_CONTROL_PIECE = re.compile(r"^<[^<>\s]+>$")
_NEG_INF = float("-inf")


# --------------------------------------------------------------------------- vocabulary facts


class PieceTable:
    """What the decoders need to know about each piece, computed once per tokenizer.

    `surface[i]` is the UTF-8 text piece i adds (the leading space of a word-start piece
    left out, so a word's surface is the concatenation of its pieces'); byte-fallback
    pieces add one raw byte. Control pieces (`<unk>`, `<s>`, ...) are `banned`: a model
    emitting them produces no text.
    """

    def __init__(self, tokenizer: "Tokenizer") -> None:
        size, self.eos_id = tokenizer.vocab_size, tokenizer.eos_id
        self.surface: list[bytes] = []
        starts, banned = torch.zeros(size, dtype=torch.bool), torch.zeros(size, dtype=torch.bool)
        for i in range(size):
            piece = tokenizer.id_to_piece(i)
            byte = _BYTE_PIECE.match(piece)
            if byte:
                self.surface.append(bytes([int(byte.group(1), 16)]))
                continue
            if i != self.eos_id and _CONTROL_PIECE.match(piece):
                banned[i] = True
                self.surface.append(b"")
                continue
            starts[i] = i != self.eos_id and bool(tokenizer.is_word_start(i))
            text = piece.replace("▁", " ")
            self.surface.append((text[1:] if starts[i] and text.startswith(" ") else text).encode("utf-8"))
        self.word_start = starts
        # A piece that begins with a CJK character begins a word too, with no space (core/words.py).
        cjk = torch.tensor([starts_with_cjk(s) for s in self.surface], dtype=torch.bool)
        self.boundary = starts | cjk
        self.boundary[self.eos_id] = True
        self.banned = banned
        empty = torch.tensor([not s for s in self.surface], dtype=torch.bool)
        spaced = torch.tensor([b" " in s for s in self.surface], dtype=torch.bool)
        wordy = torch.tensor([_starts_wordy(s) for s in self.surface], dtype=torch.bool)
        self.continuation = ~self.boundary & ~banned & ~empty & ~spaced
        self.word_first = (starts | cjk) & ~spaced  # may begin a word: a space-only piece never does
        inner = self.continuation & wordy  # continues a suggested word: punctuation ends one
        # Additive masks (0 or -inf) for log-probs: what may begin a word, continue one, end one,
        # and what writes visible text (no line end, no control, no run of spaces).
        self.word_first_penalty, self.inner_penalty, self.end_penalty, self.visible_penalty = (
            torch.zeros(size).masked_fill(~mask, _NEG_INF)
            for mask in (self.word_first, inner, self.boundary | (self.continuation & ~wordy),
                         self.word_first | self.continuation))
        self._index = {"start": self._sorted(self.word_first), "cont": self._sorted(self.continuation)}

    def _sorted(self, mask: torch.Tensor) -> tuple[list[bytes], list[int]]:
        pairs = sorted((self.surface[i], i) for i in mask.nonzero().flatten().tolist())
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def consistent(self, typed: bytes, word_start: bool) -> list[int]:
        """Pieces whose surface agrees with `typed`: a prefix of it, or extending it.

        Prefixes of `typed` are at most len(typed)+1 strings and extensions form one
        range of the sorted surfaces, so this costs a few bisections, not a vocabulary scan.
        """
        keys, ids = self._index["start" if word_start else "cont"]
        found: list[int] = []
        for cut in range(len(typed)):
            lo = bisect.bisect_left(keys, typed[:cut])
            hi = bisect.bisect_right(keys, typed[:cut])
            found.extend(ids[lo:hi])
        lo = bisect.bisect_left(keys, typed)
        hi = lo
        while hi < len(keys) and keys[hi].startswith(typed):
            hi += 1
        found.extend(ids[lo:hi])
        return found

    def ends_sentence(self, token: int) -> bool:
        return bool(_SENTENCE_END.search(self.surface[token].decode("utf-8", "ignore").rstrip()))

    def text(self, ids: Sequence[int]) -> str:
        """Surface text of a run of pieces that continues a word (word starts get their space back)."""
        out = bytearray()
        for token in ids:
            if token == self.eos_id:
                out += b"\n"
                continue
            if self.word_start[token]:
                out += b" "
            out += self.surface[token]
        return out.decode("utf-8", "ignore")


def _starts_wordy(surface: bytes) -> bool:
    """Whether a piece's text begins with a letter, digit, apostrophe or hyphen (or is a raw
    byte of a non-ASCII character): such a piece continues a word, anything else ends it."""
    if not surface or surface[0] >= 0x80:
        return bool(surface)
    first = chr(surface[0])
    return first.isalnum() or first in "'-"


# --------------------------------------------------------------------------- model plumbing


def context_ids(tokenizer: "Tokenizer", text: str) -> list[int]:
    """The ids the model reads for `text`: an <eos> (start of a line), then the text's lines."""
    return [tokenizer.eos_id, *tokenizer.encode_lines(text)]


def prompt_ids(tokenizer: "Tokenizer", prompt: str) -> tuple[list[int], bool]:
    """Ids to continue `prompt` from, and whether trailing spaces were left out.

    "The " would end in a lone space piece that the model saw only before double spaces;
    continuing "The" and dropping the space the next word brings back reads as intended.
    """
    stripped = prompt.rstrip(" \t")
    return context_ids(tokenizer, stripped), len(stripped) < len(prompt)


def _encode_last(model: RNNLM, ids: torch.Tensor, hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
    """ids [B, T] -> (top-layer output at the last position [B, H], hidden after it)."""
    features, hidden = model.encode(ids, hidden)
    return features[:, -1], hidden


def _forward(model: RNNLM, ids: torch.Tensor, hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
    """ids [B, T] -> (next-token logits after the last position [B, V], hidden); the
    output layer runs only on the last position, which is most of the cost with a big vocabulary."""
    last, hidden = _encode_last(model, ids, hidden)
    return _logits(model, last), hidden


@dataclass
class _FastWeights:
    """bf16 copies of the matrices decoding multiplies by, and the versions of the weights they copy."""

    versions: tuple[int, ...]
    decoder: torch.Tensor
    lstm: list[tuple[torch.Tensor, torch.Tensor]]  # per layer: [W_ih | W_hh] in bf16, b_ih + b_hh in fp32


_FAST: "weakref.WeakKeyDictionary[RNNLM, _FastWeights]" = weakref.WeakKeyDictionary()


def _sources(model: RNNLM) -> list[torch.Tensor]:
    return [model.decoder.weight, *(p for layer in model.rnn for p in layer.parameters())]


def use_fast_decoding(model: RNNLM) -> bool:
    """Decode `model` with bf16 copies of its matrices where the CPU multiplies bf16 natively.

    Interactive decoding multiplies one to eight state vectors by every weight matrix at each
    step; on one core fp32 does that at a fraction of the CPU's speed (the output layer of the
    bundled model, 8,000 x 400: 0.6 ms in bf16 against 2.6 ms in fp32 with AVX-512 BF16). Sums
    stay fp32 and so does the carried state, so errors do not build up along a prompt: typing a
    130-character prompt into the bundled model, the next-token distributions differ from fp32
    by a KL of 9e-5 nats on average and name the same most probable token at 99% of the
    keystrokes (the rest are near-ties); its p95 per keystroke fell from 16.9 to 11.6 ms. Exact
    scoring (`complete --json`, surprisal, evaluation) never goes through this. Returns whether
    the copies are in use.
    """
    if model.decoder.weight.device.type != "cpu" or not torch.cpu._is_avx512_bf16_supported():
        return False
    lstm = [(torch.cat([layer.weight_ih_l0, layer.weight_hh_l0], dim=1).detach().to(torch.bfloat16),
             (layer.bias_ih_l0 + layer.bias_hh_l0).detach()) for layer in model.rnn
            if isinstance(layer, torch.nn.LSTM)]
    _FAST[model] = _FastWeights(tuple(p._version for p in _sources(model)),
                                model.decoder.weight.detach().to(torch.bfloat16), lstm)
    return True


def _fast(model: RNNLM) -> _FastWeights | None:
    """The model's current bf16 copies; none in training mode or once a weight changed in place."""
    fast = _FAST.get(model)
    if fast is None or model.training or fast.versions != tuple(p._version for p in _sources(model)):
        return None
    return fast


def _logits(model: RNNLM, features: torch.Tensor) -> torch.Tensor:
    """Next-token logits (fp32) from top-layer outputs."""
    fast = _fast(model)
    if fast is None:
        return model.project(features).float()
    x = model.proj(features) if model.proj is not None else features
    return F.linear(x.to(torch.bfloat16), fast.decoder).float().add_(model.decoder.bias)


STEPWISE_MAX = 4  # a run of at most this many tokens is stepped through by hand (see `_advance`)


def _stepwise(model: RNNLM) -> bool:
    return not model.training and all(isinstance(layer, torch.nn.LSTM) for layer in model.rnn)


def _advance(model: RNNLM, tokens: Sequence[int], hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
    """Run one short sequence of tokens (a single row) -> (top-layer output after it [1, H], hidden).

    Decoding and typing run the model a token or two at a time, where `nn.LSTM`'s per-call
    set-up costs about twice the arithmetic; an LSTM layer is therefore stepped here with
    two matrix-vector products on its own weights (same gates, same order: i, f, g, o).
    Longer runs, other cells and a model in training mode take the module's own path.
    """
    if len(tokens) > STEPWISE_MAX or not _stepwise(model):
        return _encode_last(model, _tensor(model, [list(tokens)]), hidden)
    if hidden is None:
        zeros = torch.zeros(1, 1, model.config.hidden_size, device=_device(model))
        hidden = [(zeros, zeros) for _ in model.rnn]
    for token in tokens:
        top, hidden = _lstm_step(model, [token], hidden)
    return top, hidden


def _step(model: RNNLM, tokens: Sequence[int], hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """One token for each row of a batch of states -> (next-token logits [B, V], hidden)."""
    if not _stepwise(model):
        return _forward(model, _tensor(model, [[t] for t in tokens]), hidden)
    top, hidden = _lstm_step(model, tokens, hidden)
    return _logits(model, top), hidden


def _lstm_step(model: RNNLM, tokens: Sequence[int], hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    x = model.embedding(torch.tensor(tokens, dtype=torch.long, device=_device(model)))
    fast = _fast(model)
    new_hidden: Hidden = []
    for index, (layer, (h, c)) in enumerate(zip(model.rnn, hidden)):
        if fast is None:
            gates = torch.addmm(layer.bias_ih_l0, x, layer.weight_ih_l0.t())
            gates.addmm_(h[0], layer.weight_hh_l0.t()).add_(layer.bias_hh_l0)
        else:
            weight, bias = fast.lstm[index]
            gates = F.linear(torch.cat([x, h[0]], dim=1).to(torch.bfloat16), weight).float().add_(bias)
        i, f, g, o = gates.chunk(4, dim=1)
        c_next = torch.sigmoid(f) * c[0] + torch.sigmoid(i) * torch.tanh(g)
        x = torch.sigmoid(o) * torch.tanh(c_next)
        new_hidden.append((x[None], c_next[None]))
    return x, new_hidden


@contextmanager
def one_thread() -> Iterator[None]:
    """Decode with one intra-op thread in the calling thread, restoring the setting after.

    Decoding multiplies one to eight vectors by each weight matrix: a second thread costs
    more in hand-offs than it saves, and on a busy CPU far more (typing a paragraph with
    the bundled model on 2 busy cores: p50 111 ms per keystroke with 2 threads, 9 ms with 1).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _map_hidden(hidden: Hidden, fn: Any) -> Hidden:
    return [tuple(fn(t) for t in h) if isinstance(h, tuple) else fn(h) for h in hidden]


def _select(hidden: Hidden, rows: torch.Tensor) -> Hidden:
    """Pick batch rows of a hidden state (RNN states are [layers, batch, hidden])."""
    return _map_hidden(hidden, lambda t: t.index_select(1, rows))


def _device(model: RNNLM) -> torch.device:
    return model.embedding.weight.device


def _tensor(model: RNNLM, rows: Sequence[Sequence[int]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.long, device=_device(model))


# --------------------------------------------------------------------------- sampling


@dataclass(frozen=True)
class SamplingOptions:
    """How `generate` picks each token; temperature 0 means greedy."""

    max_tokens: int = 100
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    stop_at: str | None = None
    seed: int | None = None

    def validate(self) -> None:
        if self.max_tokens <= 0:
            raise ConfigError(f"--max-tokens must be a positive integer, got {self.max_tokens}")
        if not self.temperature >= 0:
            raise ConfigError(f"--temperature must be 0 (greedy) or positive, got {self.temperature}")
        if self.top_k < 0:
            raise ConfigError(f"--top-k must be 0 (off) or a positive integer, got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"--top-p must be in (0, 1] (1 turns it off), got {self.top_p}")
        if not self.repetition_penalty >= 1:
            raise ConfigError(f"--repetition-penalty must be at least 1 (1 turns it off), "
                              f"got {self.repetition_penalty}")
        if self.stop_at is not None and self.stop_at not in STOP_AT:
            raise ConfigError(f"--stop-at {self.stop_at!r} is not one of: {', '.join(STOP_AT)}")


def filter_top_k(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep exactly the k largest logits (ties broken by position); k <= 0 keeps all."""
    if k <= 0 or k >= logits.size(-1):
        return logits
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, logits.topk(k).indices, True)
    return logits.masked_fill(~keep, _NEG_INF)


def filter_top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus: keep the smallest set of most probable tokens whose probability reaches p."""
    if p >= 1:
        return logits
    probs, order = F.softmax(logits.float(), dim=-1).sort(dim=-1, descending=True)
    mass_before = probs.cumsum(-1) - probs
    drop = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, order, mass_before >= p)
    return logits.masked_fill(drop, _NEG_INF)


def penalize_repetition(logits: torch.Tensor, history: Sequence[int], penalty: float) -> torch.Tensor:
    """CTRL-style: make every token already in the text `penalty` times less attractive."""
    if penalty == 1 or not history:
        return logits
    seen = torch.tensor(sorted(set(history)), dtype=torch.long, device=logits.device)
    values = logits[seen]
    out = logits.clone()
    out[seen] = torch.where(values > 0, values / penalty, values * penalty)
    return out


def next_token(logits: torch.Tensor, options: SamplingOptions, generator: torch.Generator | None = None,
               history: Sequence[int] = ()) -> int:
    """One token from 1-D logits: repetition penalty, then temperature, top-k, top-p."""
    logits = penalize_repetition(logits.float(), history, options.repetition_penalty)
    if options.temperature == 0:
        return int(logits.argmax())
    logits = filter_top_p(filter_top_k(logits / options.temperature, options.top_k), options.top_p)
    probs = F.softmax(logits, dim=-1)
    return int(torch.multinomial(probs.cpu(), 1, generator=generator))


def _generator(seed: int | None) -> torch.Generator:
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    return generator


class _Detokenizer:
    """Turns a growing list of ids into text deltas.

    Decoding piece by piece would lose the spaces SentencePiece strips at the start of a
    decode and break multi-byte characters split into byte pieces, so each delta is the
    difference between decoding (a bit of context + the new ids) and the context alone.
    Every `REBASE` ids the new ids become context, so long generations stay linear.
    """

    CONTEXT = 8
    REBASE = 64

    def __init__(self, tokenizer: "Tokenizer", context: Sequence[int], drop_space: bool = False) -> None:
        self.tokenizer, self.drop_space = tokenizer, drop_space
        self.context = list(context[-self.CONTEXT:])
        self.base = tokenizer.decode(self.context)
        self.ids: list[int] = []
        self.text = ""

    def push(self, token: int) -> str:
        self.ids.append(token)
        text = self.tokenizer.decode(self.context + self.ids)[len(self.base):]
        if self.drop_space and text.startswith(" "):
            text = text[1:]
        if text.endswith("\ufffd"):
            return ""  # an incomplete UTF-8 character: wait for its next byte
        delta, self.text = text[len(self.text):], text
        if len(self.ids) >= self.REBASE:
            self.context = (self.context + self.ids)[-self.CONTEXT:]
            self.base = self.tokenizer.decode(self.context)
            self.ids, self.text, self.drop_space = [], "", False
        return delta


def generate(loaded: Any, prompt: str, options: SamplingOptions = SamplingOptions(),
             stop: threading.Event | None = None) -> Iterator[str]:
    """The continuation of `prompt`, yielded piece by piece as it is sampled.

    Options are checked here, before anything streams, so a bad flag fails at once.
    The same seed gives the same text (a private torch.Generator, never the global one).
    `stop` is checked before every token so the GUI's Stop button ends it at once.
    """
    options.validate()
    return _sample(loaded, prompt, options, stop)


def _sample(loaded: Any, prompt: str, options: SamplingOptions, stop: threading.Event | None) -> Iterator[str]:
    model, tokenizer = loaded.model, loaded.tokenizer
    model.eval()
    table = PieceTable(tokenizer)
    generator = _generator(options.seed)
    history, spaced = prompt_ids(tokenizer, prompt)
    detok = _Detokenizer(tokenizer, history, drop_space=spaced)
    with torch.inference_mode():
        logits, hidden = _forward(model, _tensor(model, [history]), None)  # the prompt: all threads help
    for _ in range(options.max_tokens):
        if stop is not None and stop.is_set():
            return
        token = next_token(logits[0].cpu().masked_fill(table.banned, _NEG_INF), options, generator, history)
        if token == table.eos_id and options.stop_at is not None:
            return
        history.append(token)
        delta = detok.push(token)
        if delta:
            yield delta
        if options.stop_at == "sentence" and table.ends_sentence(token):
            return
        with torch.inference_mode(), one_thread():
            logits, hidden = _step(model, [token], hidden)


def beam_search(loaded: Any, prompt: str, *, beam_width: int = 4, max_tokens: int = 40,
                length_penalty: float = 1.0, stop_at: str | None = None) -> str:
    """The most probable continuation under a beam of `beam_width`, scored by log-prob / length**alpha.

    Without length normalisation a beam prefers ending early; alpha = 1 scores by the mean
    log-probability per token. A beam ends at `<eos>` (or sentence end) when `stop_at` asks.
    """
    if beam_width <= 0 or max_tokens <= 0:
        raise ConfigError("beam width and max tokens must be positive integers")
    SamplingOptions(stop_at=stop_at).validate()
    model, tokenizer = loaded.model, loaded.tokenizer
    model.eval()
    table = PieceTable(tokenizer)
    context, spaced = prompt_ids(tokenizer, prompt)
    with torch.inference_mode(), one_thread():
        logits, hidden = _forward(model, _tensor(model, [context]), None)
        beams, scores = [[]], torch.zeros(1)
        finished: list[tuple[float, list[int]]] = []
        for _ in range(max_tokens):
            log_probs = F.log_softmax(logits, dim=-1).cpu().masked_fill(table.banned, _NEG_INF)
            flat = (scores[:, None] + log_probs).flatten()
            top = flat.topk(min(2 * beam_width, flat.numel()))
            kept: list[tuple[float, int, int]] = []
            for score, index in zip(top.values.tolist(), top.indices.tolist()):
                parent, token = divmod(index, log_probs.size(1))
                seq = beams[parent] + [token]
                ends = stop_at is not None and (token == table.eos_id or
                                                (stop_at == "sentence" and table.ends_sentence(token)))
                if ends:
                    finished.append((score / len(seq) ** length_penalty, seq))
                elif len(kept) < beam_width:
                    kept.append((score, parent, token))
            if len(finished) >= beam_width or not kept:
                break
            parents = torch.tensor([p for _, p, _ in kept])
            beams = [beams[p] + [t] for _, p, t in kept]
            scores = torch.tensor([s for s, _, _ in kept])
            logits, hidden = _step(model, [t for _, _, t in kept], _select(hidden, parents.to(_device(model))))
        finished += [(s / len(b) ** length_penalty, b) for s, b in zip(scores.tolist(), beams) if b]
    best = max(finished, key=lambda item: item[0])[1] if finished else []
    if best and stop_at is not None and best[-1] == table.eos_id:
        best = best[:-1]
    detok = _Detokenizer(tokenizer, context, drop_space=spaced)
    return "".join(detok.push(t) for t in best)


# --------------------------------------------------------------------------- incremental prompt state

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
                last, hidden = _advance(self.model, ids[lo:hi], hidden)
                self._cache[hi] = hidden
            log_probs = F.log_softmax(_logits(self.model, last), dim=-1)[0].cpu()
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


# --------------------------------------------------------------------------- autocomplete


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
    best: tuple[float, tuple[int, ...]] = (_NEG_INF, ())

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
            candidates += [(path.logp + v, index, t) for t, v in chosen if v > _NEG_INF]
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
            hidden = _cat_hidden([self.memo.get(p).hidden for p in parents])
            logits, hidden = _step(self.model, [key[-1] for key in missing], hidden)
            log_probs = F.log_softmax(logits, dim=-1).cpu()
            ends = (log_probs + self.table.end_penalty).logsumexp(dim=-1).tolist()
            top = (log_probs + self.table.inner_penalty).topk(self.beam_width, dim=-1)
            for row, key in enumerate(missing):
                rows = torch.tensor([row], device=_device(self.model))
                self.memo.put(key, State(_select(hidden, rows), log_probs[row], ends[row],
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


def _cat_hidden(states: list[Hidden]) -> Hidden:
    """Stack single-row hidden states into one batch (dim 1 of every layer's tensors)."""
    layers = []
    for parts in zip(*states):
        if isinstance(parts[0], tuple):
            layers.append(tuple(torch.cat(ts, dim=1) for ts in zip(*parts)))
        else:
            layers.append(torch.cat(parts, dim=1))
    return layers


MIN_SHARE = 1e-3  # a word under this share of the best one's probability is not worth searching for


def _bound(words: dict[bytes, _Word], k: int) -> float:
    """Log-probability a partial word must beat to be worth spelling out: the k-th best
    finished word's, and at least MIN_SHARE of the best one's (lists show shares)."""
    if not words:
        return _NEG_INF
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


# --------------------------------------------------------------------------- surprisal


@dataclass(frozen=True)
class TokenSurprisal:
    """How surprised the model was by one token of a text (nll in nats)."""

    text_piece: str
    start_char: int
    end_char: int
    nll: float
    probability: float
    top_alternatives: list[tuple[str, float]]


def surprisal(loaded: Any, text: str, alternatives: int = 5, chunk: int = 256) -> list[TokenSurprisal]:
    """Every token of `text` with its loss and the model's favourites at that point (heatmap view).

    Line ends are tokens too (`<eos>`, shown as "\\n"). Runs in chunks of `chunk` tokens
    so a long text never materialises a [T, V] logit matrix at once.
    """
    model, tokenizer = loaded.model, loaded.tokenizer
    model.eval()
    table = PieceTable(tokenizer)
    ids = context_ids(tokenizer, text)
    spans = _char_spans(table, ids[1:], text)
    out: list[TokenSurprisal] = []
    hidden = None
    with torch.inference_mode():
        for lo in range(0, len(ids) - 1, chunk):
            inputs = ids[lo:lo + chunk]
            targets = torch.tensor(ids[lo + 1:lo + 1 + chunk])
            logits, hidden = model(_tensor(model, [inputs]), hidden)
            lp = F.log_softmax(logits[0, :len(targets)].float(), dim=-1).cpu()
            nll = -lp.gather(1, targets[:, None])[:, 0]
            top = lp.topk(alternatives, dim=-1)
            for i, target in enumerate(targets.tolist()):
                start, end = spans[lo + i]
                alts = [(_piece_text(table, t), math.exp(v))
                        for t, v in zip(top.indices[i].tolist(), top.values[i].tolist())]
                out.append(TokenSurprisal(text[start:end] or _piece_text(table, target),
                                          start, end, float(nll[i]), math.exp(-float(nll[i])), alts))
    return out


def _piece_text(table: PieceTable, token: int) -> str:
    """A piece as a reader should see it in a list of alternatives; a lone byte as <0xNN>."""
    if token == table.eos_id:
        return "\n"
    surface = table.surface[token]
    try:
        text = surface.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(f"<0x{b:02X}>" for b in surface)
    return " " + text if table.word_start[token] else text


def _char_spans(table: PieceTable, ids: Sequence[int], text: str) -> list[tuple[int, int]]:
    """Character span of each token in `text`, by walking the text with the pieces' surfaces.

    The tokenizer normalises nothing, so the surfaces spell the text exactly, except the
    "▁" SentencePiece adds at each line start (no character) and byte pieces, which
    share the span of the character they encode together.
    """
    spans = [(0, 0)] * len(ids)
    pos, line_start, pending, waiting = 0, True, bytearray(), []
    for index, token in enumerate(ids):
        if token == table.eos_id:
            spans[index] = (pos, min(len(text), pos + 1))
            pos, line_start = spans[index][1], True
            continue
        if table.word_start[token] and not line_start:
            pending += b" "
        line_start = False
        pending += table.surface[token]
        waiting.append(index)
        try:
            piece = pending.decode("utf-8")
        except UnicodeDecodeError:
            continue
        end = min(len(text), pos + len(piece))
        for i in waiting:
            spans[i] = (pos, end)
        pos = end
        pending.clear()
        waiting.clear()
    return spans
