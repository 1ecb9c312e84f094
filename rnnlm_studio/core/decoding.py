"""Running a trained model for text, a token or a few at a time: what every decoder shares.

The piece table (what each piece adds to the text, computed once per tokenizer), the ids a
prompt is read as, and the model plumbing: the next-token logits of a prompt, stepping a batch
of states one token on (with a hand-rolled LSTM step and optional bf16 weight copies, since
interactive decoding multiplies one to eight vectors by each matrix), and hidden-state rows.

Every prompt is read the way the trainer saw text: after an end-of-line (`<eos>`), so an
empty prompt means "the start of a line" and the first token of a prompt has a context.
Words are whitespace words: SentencePiece marks a piece that starts one with "▁", and
`<eos>` ends a word too. A Chinese or Japanese character is a word of its own (core/words.py),
so a piece that begins with one begins a word without a space, and Chinese suggestions are the
next characters (or the multi-character pieces of a unigram vocabulary: short phrases).
"""
from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch.nn import functional as F

from .model import RNNLM, Hidden
from .words import starts_with_cjk

if TYPE_CHECKING:
    from .tokenizer import Tokenizer

_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]」』]*$")
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
_CONTROL_PIECE = re.compile(r"^<[^<>\s]+>$")
NEG_INF = float("-inf")


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
            torch.zeros(size).masked_fill(~mask, NEG_INF)
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


def encode_last(model: RNNLM, ids: torch.Tensor, hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
    """ids [B, T] -> (top-layer output at the last position [B, H], hidden after it)."""
    features, hidden = model.encode(ids, hidden)
    return features[:, -1], hidden


def forward_last(model: RNNLM, ids: torch.Tensor, hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
    """ids [B, T] -> (next-token logits after the last position [B, V], hidden); the
    output layer runs only on the last position, which is most of the cost with a big vocabulary."""
    last, hidden = encode_last(model, ids, hidden)
    return logits_of(model, last), hidden


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
    if (not isinstance(model, RNNLM) or model.decoder.weight.device.type != "cpu"
            or not torch.cpu._is_avx512_bf16_supported()):  # a mixture (core/mixture.py) takes its own path
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


def logits_of(model: RNNLM, features: torch.Tensor) -> torch.Tensor:
    """Next-token logits (fp32) from top-layer outputs."""
    fast = _fast(model)
    if fast is None:
        return model.project(features).float()
    x = model.proj(features) if model.proj is not None else features
    return F.linear(x.to(torch.bfloat16), fast.decoder).float().add_(model.decoder.bias)


STEPWISE_MAX = 4  # a run of at most this many tokens is stepped through by hand (see `advance`)


def _stepwise(model: RNNLM) -> bool:
    return (not model.training and isinstance(model, RNNLM)
            and all(isinstance(layer, torch.nn.LSTM) for layer in model.rnn))


def advance(model: RNNLM, tokens: Sequence[int], hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
    """Run one short sequence of tokens (a single row) -> (top-layer output after it [1, H], hidden).

    Decoding and typing run the model a token or two at a time, where `nn.LSTM`'s per-call
    set-up costs about twice the arithmetic; an LSTM layer is therefore stepped here with
    two matrix-vector products on its own weights (same gates, same order: i, f, g, o).
    Longer runs, other cells and a model in training mode take the module's own path.
    """
    if len(tokens) > STEPWISE_MAX or not _stepwise(model):
        return encode_last(model, ids_tensor(model, [list(tokens)]), hidden)
    if hidden is None:
        zeros = torch.zeros(1, 1, model.config.hidden_size, device=model_device(model))
        hidden = [(zeros, zeros) for _ in model.rnn]
    for token in tokens:
        top, hidden = _lstm_step(model, [token], hidden)
    return top, hidden


def step(model: RNNLM, tokens: Sequence[int], hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """One token for each row of a batch of states -> (next-token logits [B, V], hidden)."""
    if not _stepwise(model):
        return forward_last(model, ids_tensor(model, [[t] for t in tokens]), hidden)
    top, hidden = _lstm_step(model, tokens, hidden)
    return logits_of(model, top), hidden


def _lstm_step(model: RNNLM, tokens: Sequence[int], hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    x = model.embedding(torch.tensor(tokens, dtype=torch.long, device=model_device(model)))
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


def select_rows(hidden: Hidden, rows: torch.Tensor) -> Hidden:
    """Pick batch rows of a hidden state (RNN states are [layers, batch, hidden])."""
    return _map_hidden(hidden, lambda t: t.index_select(1, rows))


def model_device(model: RNNLM) -> torch.device:
    return next(model.parameters()).device


def ids_tensor(model: RNNLM, rows: Sequence[Sequence[int]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.long, device=model_device(model))


def cat_hidden(states: list[Hidden]) -> Hidden:
    """Stack single-row hidden states into one batch (dim 1 of every layer's tensors)."""
    layers = []
    for parts in zip(*states):
        if isinstance(parts[0], tuple):
            layers.append(tuple(torch.cat(ts, dim=1) for ts in zip(*parts)))
        else:
            layers.append(torch.cat(parts, dim=1))
    return layers
