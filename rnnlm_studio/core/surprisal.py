"""How surprised a model is by each token of a text: the Playground's heatmap."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch.nn import functional as F

from .decoding import PieceTable, context_ids, ids_tensor


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
            logits, hidden = model(ids_tensor(model, [inputs]), hidden)
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
