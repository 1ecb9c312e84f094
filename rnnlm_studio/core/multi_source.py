"""Several sources at once (`--source A --source B ... --multi-source average|mixture|chain`).

- `average`: sources of one architecture and one tokenizer, averaged in weight space (with
  `--source-weights`), become the one source the usual transfer types start from. Averaging
  only means something between weights that line up, so anything else is refused by name.
- `mixture`: every source's encoder, frozen, under a learned gate (core/mixture.py). Sources
  may differ in architecture and tokenizer, as long as the target's tokenizer maps onto each
  source's vocabulary (core/vocab_map.py); a vocabulary it cannot map is refused.
- `chain`: stages of ordinary runs, one after another (core/chain.py).
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

import torch

from .checkpoint import LoadedModel, load_model
from .config import TrainConfig
from .errors import TransferError, option
from .mixture import MixtureLM
from .model import RNNLM
from .tokenizer import Tokenizer
from .transfer import TargetSetup, copy_tensors
from .vocab_map import map_vocabulary, plan_rows

ARCHITECTURE = ("cell", "layers", "emb_size", "hidden_size", "tie_weights", "vocab_size")
BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")  # SentencePiece's byte-fallback pieces
MIN_MAPPED = 0.5  # mixture: the share of target pieces a source must hold or spell, else it is refused


def source_refs(config: TrainConfig) -> list[str]:
    return [config.source, *config.extra_sources] if config.source else []


def load_sources(config: TrainConfig) -> list[LoadedModel]:
    """The run's sources as its target is built from them: none, one, each of a mixture's, or the one
    model an average makes."""
    sources = [load_model(ref) for ref in source_refs(config)]
    if config.multi_source == "average":
        return [average_sources(sources, config.source_weights)]
    return sources


def average_sources(sources: list[LoadedModel], weights: list[float]) -> LoadedModel:
    """One model whose every tensor is the weighted mean of the sources' (weights normalised)."""
    first = sources[0]
    for other in sources[1:]:
        _require_alike(first, other)
    weights = weights or [1.0] * len(sources)
    total = sum(weights)
    states = [source.model.state_dict() for source in sources]
    with torch.no_grad():
        state = {name: sum(w / total * s[name].float() for w, s in zip(weights, states)) for name in states[0]}
    model = RNNLM(first.model.config)
    model.load_state_dict(state)
    names = " + ".join(f"{w / total:.2g} x {source.name}" for w, source in zip(weights, sources))
    return dataclasses.replace(first, model=model, name=f"the average ({names})")


def _require_alike(first: LoadedModel, other: LoadedModel) -> None:
    a, b = first.model.config, other.model.config
    differ = [f"{field} {getattr(a, field)} against {getattr(b, field)}" for field in ARCHITECTURE
              if getattr(a, field) != getattr(b, field)]
    if differ:
        raise TransferError(f"{option('multi_source')} average needs sources of one architecture: {first.name} and "
                            f"{other.name} differ ({'; '.join(differ)}); use {option('multi_source')} mixture or chain")
    if first.tokenizer.fingerprint() != other.tokenizer.fingerprint():
        raise TransferError(f"{option('multi_source')} average needs sources with one tokenizer: {first.name} and "
                            f"{other.name} have different ones; use {option('multi_source')} mixture or chain")


def build_mixture(config: TrainConfig, tokenizer: Tokenizer, sources: list[LoadedModel]) -> TargetSetup:
    """The mixture target: each source mapped onto `tokenizer` and frozen; gate, adapters and the
    output layer (started from the first source's) train."""
    encoders, messages = [], []
    for source in sources:
        model = source.model.cpu()
        if source.tokenizer.fingerprint() != tokenizer.fingerprint():
            _require_mappable(source, tokenizer)
            model, coverage = map_vocabulary(model, source.tokenizer, tokenizer, config.new_pieces)
            messages.append(f"{source.name}: {coverage}")
        encoders.append(model)
    first = encoders[0].config
    config.model = dataclasses.replace(first, vocab_size=tokenizer.vocab_size, tie_weights=False,
                                       **{name: getattr(config.model, name)
                                          for name in ("cache_window", "cache_theta", "cache_lambda")})
    output = RNNLM(config.model)
    copy_tensors(encoders[0], output, ["output"])  # the first source's output layer, untied
    model = MixtureLM(config.model, encoders, [source.name for source in sources])
    with torch.no_grad():
        model.decoder.weight.copy_(output.decoder.weight)
        model.decoder.bias.copy_(output.decoder.bias)
    for param in model.sources.parameters():
        param.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    names = ", ".join(source.name for source in sources)
    messages.insert(0, f"mixture of {len(sources)} sources ({names}): their encoders stay frozen; a gate over "
                       f"them, their adapters to size {first.hidden_size} and the output layer train")
    return TargetSetup(model=model, groups=[{"params": trainable}], messages=messages)


def _require_mappable(source: LoadedModel, tokenizer: Tokenizer) -> None:
    """A piece counts as mapped when the source has it or spells it in pieces other than raw bytes: a
    Chinese character spelled in an English source's UTF-8 byte pieces starts from rows that say
    nothing of its meaning, and a source that reads the target only so is refused."""
    plan = plan_rows(source.tokenizer, tokenizer, "compose")
    pieces = source.tokenizer.pieces()
    readable = sum(1 for ids in plan.sources if ids and not all(BYTE_PIECE.fullmatch(pieces[i]) for i in ids))
    share = readable / max(1, len(plan.sources))
    if share < MIN_MAPPED:
        raise TransferError(f"{option('multi_source')} mixture: the target tokenizer cannot be mapped onto "
                            f"{source.name}'s vocabulary (only {share:.0%} of its {len(plan.sources):,} pieces are in "
                            f"it or spelled by its pieces other than raw bytes, at least {MIN_MAPPED:.0%} needed): "
                            "leave that source out, or use sources whose tokenizer reads this text")


def sources_provenance(config: TrainConfig) -> dict[str, Any]:
    """What a checkpoint records of several sources (a single source is recorded as before)."""
    if not config.extra_sources:
        return {}
    return {"sources": source_refs(config), "multi_source": config.multi_source,
            **({"source_weights": config.source_weights} if config.source_weights else {})}
