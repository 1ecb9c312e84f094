"""Moving a model onto another tokenizer's vocabulary.

Rows (embedding, untied output weights, output bias) of pieces both vocabularies share
are copied; a new piece starts as the mean of the source rows of the pieces its text
splits into under the source tokenizer; a piece with no usable split gets the mean row.

Composing is a guess that can be wrong: an English source spells a Chinese character in
UTF-8 byte pieces, whose rows say little about its meaning. `new_pieces` therefore also
offers a plain start for every piece the source lacks, the mean row ("mean") or the fresh
model's random row ("random"), so the guess can be measured against no guess.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from .model import RNNLM
from .tokenizer import Tokenizer

# What a piece the source lacks starts from, per config.NEW_PIECES (composing falls back on the mean).
_STARTS = {"compose": "mean embedding", "mean": "mean embedding", "random": "random init"}


@dataclass
class RowPlan:
    """For each target id: the source ids whose rows are averaged (one id = an exact copy)."""

    sources: list[list[int]]
    copied: int
    composed: int
    new: int
    new_pieces: str = "compose"

    def coverage(self) -> str:
        total = len(self.sources)
        return (f"vocabulary mapped onto the new tokenizer: {self.copied} of {total} pieces copied from the source, "
                f"{self.composed} composed from source pieces, {self.new} new ({_STARTS[self.new_pieces]})")


def plan_rows(source: Tokenizer, target: Tokenizer, new_pieces: str = "compose") -> RowPlan:
    src_index = {piece: i for i, piece in enumerate(source.pieces())}
    plan = RowPlan(sources=[], copied=0, composed=0, new=0, new_pieces=new_pieces)
    for t, piece in enumerate(target.pieces()):
        if t == target.eos_id:
            plan.sources.append([source.eos_id])
            plan.copied += 1
        elif piece in src_index:
            plan.sources.append([src_index[piece]])
            plan.copied += 1
        else:
            ids = [i for i in _split(source, piece) if i != source.unk_id] if new_pieces == "compose" else []
            plan.sources.append(ids)
            if ids:
                plan.composed += 1
            else:
                plan.new += 1
    return plan


def _split(source: Tokenizer, piece: str) -> list[int]:
    """The source pieces of a piece's text, encoded as a fragment: no dummy word-start prefix, so "he"
    (inside a word) splits into inner pieces rather than becoming "\u2581he" (a word start)."""
    return source._continuation_sp().encode(piece.replace("\u2581", " "))


def map_rows(matrix: torch.Tensor, plan: RowPlan, fresh: torch.Tensor | None = None) -> torch.Tensor:
    """Rows (or bias entries) for the target vocabulary from the source's; a new piece gets its row
    of `fresh` (the target model's own initial rows) where given, else the mean row."""
    fallback = matrix.mean(dim=0)
    rows = [matrix[ids].mean(dim=0) if ids else fallback if fresh is None else fresh[t]
            for t, ids in enumerate(plan.sources)]
    return torch.stack(rows)


def map_vocabulary(model: RNNLM, source: Tokenizer, target: Tokenizer,
                   new_pieces: str = "compose") -> tuple[RNNLM, str]:
    """A copy of `model` whose vocabulary is `target`'s; returns it and a coverage line."""
    plan = plan_rows(source, target, new_pieces)
    mapped = RNNLM(dataclasses.replace(model.config, vocab_size=target.vocab_size))
    state = model.state_dict()
    new_state = mapped.state_dict()
    with torch.no_grad():
        for name, value in state.items():
            if name in ("embedding.weight", "decoder.weight", "decoder.bias"):
                fresh = new_state[name].float() if new_pieces == "random" else None
                new_state[name] = map_rows(value.float(), plan, fresh)
            else:
                new_state[name] = value
    mapped.load_state_dict(new_state)
    return mapped, plan.coverage()
