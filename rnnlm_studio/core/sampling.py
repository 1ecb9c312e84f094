"""Continuing a prompt: sampling (temperature, top-k, top-p, repetition penalty) and beam search.

The CLI's `generate` and the Playground's Generate button are two faces of this module; nothing
here knows of threads except the `stop` event `generate` checks between tokens.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch.nn import functional as F

from .decoding import (NEG_INF, PieceTable, forward_last, ids_tensor, model_device, one_thread, prompt_ids,
                       select_rows, step)
from .errors import ConfigError
from .sampling_options import SamplingOptions
from .validation import check_beam

if TYPE_CHECKING:
    from .tokenizer import Tokenizer

def filter_top_k(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep exactly the k largest logits (ties broken by position); k <= 0 keeps all."""
    if k <= 0 or k >= logits.size(-1):
        return logits
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, logits.topk(k).indices, True)
    return logits.masked_fill(~keep, NEG_INF)


def filter_top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus: keep the smallest set of most probable tokens whose probability reaches p."""
    if p >= 1:
        return logits
    probs, order = F.softmax(logits.float(), dim=-1).sort(dim=-1, descending=True)
    mass_before = probs.cumsum(-1) - probs
    drop = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, order, mass_before >= p)
    return logits.masked_fill(drop, NEG_INF)


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
        logits, hidden = forward_last(model, ids_tensor(model, [history]), None)  # the prompt: all threads help
    for _ in range(options.max_tokens):
        if stop is not None and stop.is_set():
            return
        token = next_token(logits[0].cpu().masked_fill(table.banned, NEG_INF), options, generator, history)
        if token == table.eos_id and options.stop_at is not None:
            return
        history.append(token)
        delta = detok.push(token)
        if delta:
            yield delta
        if options.stop_at == "sentence" and table.ends_sentence(token):
            return
        with torch.inference_mode(), one_thread():
            logits, hidden = step(model, [token], hidden)


def beam_search(loaded: Any, prompt: str, *, beam_width: int = 4, max_tokens: int = 40,
                length_penalty: float = 1.0, stop_at: str | None = None) -> str:
    """The most probable continuation under a beam of `beam_width`, scored by log-prob / length**alpha.

    Without length normalisation a beam prefers ending early; alpha = 1 scores by the mean
    log-probability per token. A beam ends at `<eos>` (or sentence end) when `stop_at` asks.
    """
    if beam_width <= 0 or max_tokens <= 0:
        raise ConfigError("beam width and max tokens must be positive integers")
    check_beam(beam_width, max_tokens)  # the whole beam is held until the end: its size is capped
    SamplingOptions(stop_at=stop_at).validate()
    model, tokenizer = loaded.model, loaded.tokenizer
    model.eval()
    table = PieceTable(tokenizer)
    context, spaced = prompt_ids(tokenizer, prompt)
    with torch.inference_mode(), one_thread():
        logits, hidden = forward_last(model, ids_tensor(model, [context]), None)
        beams, scores = [[]], torch.zeros(1)
        finished: list[tuple[float, list[int]]] = []
        for _ in range(max_tokens):
            log_probs = F.log_softmax(logits, dim=-1).cpu().masked_fill(table.banned, NEG_INF)
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
            logits, hidden = step(model, [t for _, _, t in kept], select_rows(hidden, parents.to(model_device(model))))
        finished += [(s / len(b) ** length_penalty, b) for s, b in zip(scores.tolist(), beams) if b]
    best = max(finished, key=lambda item: item[0])[1] if finished else []
    if best and stop_at is not None and best[-1] == table.eos_id:
        best = best[:-1]
    detok = _Detokenizer(tokenizer, context, drop_space=spaced)
    return "".join(detok.push(t) for t in best)
