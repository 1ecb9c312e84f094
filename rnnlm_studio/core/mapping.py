"""The learned mapping T of the transfer articles: w_t = w_s + T(w_s), θ_t = θ_s + T(θ_s).

The source's weights stay frozen and only a residual T trains, which starts at exactly zero, so
the target begins as the source (same logits before the first step) and can never drift further
from it than T can express. Two kinds (`--mapping`):

- `embedding`: T(E) = E·M on the embedding matrix (M d×d, or U·V of rank R); with tied weights the
  output layer reads the same mapped matrix. A target whose pieces map onto the source's adapts
  what they mean without touching the source.
- `lowrank`: W + B·A (LoRA) on every recurrent input-hidden and hidden-hidden matrix and on the
  output matrix, B zero-initialised: parameter-efficient fine-tuning.

T is a torch parametrization, so the model stays an `RNNLM` that trains and evaluates as usual.
A model folder never holds T: `merged` folds it into plain weights, so a mapped model loads as an
ordinary one; a checkpoint also carries T itself (`MAPPING_FILE`), which is what a resume or the
final evaluation puts back into the run's model (the frozen source comes from the source again).
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils import parametrize

from . import checkpoint as ckpt
from .errors import ConfigError, ModelFileError, option
from .model import RNNLM

DEFAULT_RANK = 8  # lowrank without --rank
MAPPING_FILE = "mapping.safetensors"  # T's tensors in a checkpoint, for a resume; never read by model loading
BASE_KEY = "base_sha256"  # the checkpoint metadata naming the source weights T was trained over


class EmbeddingMap(nn.Module):
    """T(E) = E·M, M = 0 (d×d) or U·V with V = 0 (rank R): each row moves in the embedding space."""

    def __init__(self, dim: int, rank: int | None) -> None:
        super().__init__()
        if rank is None:
            self.full = nn.Parameter(torch.zeros(dim, dim))
        else:
            self.down = nn.Parameter(torch.randn(dim, rank) / math.sqrt(dim))
            self.up = nn.Parameter(torch.zeros(rank, dim))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        matrix = self.full if hasattr(self, "full") else self.down @ self.up
        return weight + weight @ matrix


class LowRankDelta(nn.Module):
    """W + B·A (LoRA): A [R, in] small random, B [out, R] zero, so the sum starts as W."""

    def __init__(self, out_features: int, in_features: int, rank: int) -> None:
        super().__init__()
        self.down = nn.Parameter(torch.randn(rank, in_features) / math.sqrt(in_features))
        self.up = nn.Parameter(torch.zeros(out_features, rank))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight + self.up @ self.down


def _targets(model: RNNLM, kind: str) -> list[tuple[nn.Module, str]]:
    """(module, tensor name) pairs T maps. With tied weights the output layer shares the embedding's
    matrix, so both modules get the same T (one parametrization object, one set of parameters)."""
    shared = [(model.embedding, "weight")] + ([(model.decoder, "weight")] if model.config.tie_weights else [])
    if kind == "embedding":
        return shared
    recurrent = [(layer, name) for layer in model.rnn for name in ("weight_ih_l0", "weight_hh_l0")]
    return recurrent + (shared if model.config.tie_weights else [(model.decoder, "weight")])


def apply_mapping(model: RNNLM, kind: str, rank: int | None) -> tuple[list[nn.Parameter], str]:
    """Freeze every weight of `model` and put T over the mapped ones; returns T's parameters (the
    only ones that train) and a line for the user. Refuses a rank the matrices cannot take."""
    targets = _targets(model, kind)
    rank = DEFAULT_RANK if rank is None and kind == "lowrank" else rank
    smallest = min(min(getattr(module, name).shape) for module, name in targets)
    if kind == "embedding":
        smallest = model.config.emb_size
    if rank is not None and rank >= smallest:
        default = "a full d x d T" if kind == "embedding" else f"rank {DEFAULT_RANK}"
        raise ConfigError(f"{option('rank')} {rank} is too large for {option('mapping')} {kind}: the mapped matrices' "
                          f"smaller side is {smallest}, so the rank must be below it ({option('rank')} left at its "
                          f"default gives {default})")
    for param in model.parameters():
        param.requires_grad_(False)
    maps: dict[int, nn.Module] = {}
    for module, name in targets:
        weight = getattr(module, name)
        if id(weight) not in maps:
            maps[id(weight)] = (EmbeddingMap(model.config.emb_size, rank) if kind == "embedding"
                                else LowRankDelta(weight.shape[0], weight.shape[1], rank))
        parametrize.register_parametrization(module, name, maps[id(weight)], unsafe=True)
    trainable = [p for m in maps.values() for p in m.parameters()]
    count = sum(p.numel() for p in trainable)
    shape = "full d x d" if rank is None else f"rank {rank}"
    return trainable, (f"mapping {kind} ({shape}): the source's weights stay frozen; a residual T of "
                       f"{count:,} parameters trains, starting at zero")


def mapping_provenance(config: Any, model: nn.Module) -> dict[str, Any]:
    """What a checkpoint's config.json (and so its card) records of what trained: trainable parameters
    for every run, and for a mapped one which T was learned and merged."""
    record: dict[str, Any] = {"trainable_parameters": model.num_parameters(trainable_only=True)}
    if config.mapping != "none":
        rank = config.rank if config.rank is not None or config.mapping == "embedding" else DEFAULT_RANK
        record["mapping"] = {"kind": config.mapping, "rank": rank, "merged": True}
    return record


def is_mapped(model: nn.Module) -> bool:
    return any(parametrize.is_parametrized(module) for module in model.modules())


def merged(model: RNNLM) -> RNNLM:
    """A plain `RNNLM` whose weights are w_s + T(w_s): what a model folder holds."""
    if not is_mapped(model):
        return model
    plain = RNNLM(model.config)
    with torch.no_grad():
        state = {name: _value(model, name).detach().clone() for name in plain.state_dict()}
    plain.load_state_dict(state)
    return plain.to(next(model.parameters()).device).train(model.training)


def _value(model: nn.Module, dotted: str) -> torch.Tensor:
    """A tensor by its plain name (`rnn.0.weight_hh_l0`), computed through T where it is mapped."""
    path, _, leaf = dotted.rpartition(".")
    return getattr(model.get_submodule(path), leaf)


def _mapping_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: param.detach().cpu().contiguous() for name, param in model.named_parameters()
            if ".parametrizations." in f".{name}" and not name.endswith(".original")}


def _base_digest(model: nn.Module) -> str:
    """A fingerprint of the frozen source weights under T: a checkpoint holds only T, so a resume rebuilds
    the base from the source as it is then, and must notice when that is no longer the same source."""
    mapping = _mapping_state(model)
    digest = hashlib.sha256()
    for name, param in sorted(model.named_parameters()):
        if name not in mapping:
            digest.update(name.encode())
            digest.update(param.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def checkpoint_writers(model: nn.Module) -> dict[str, Any]:
    """A checkpoint's extra file holding T, for a mapped model (none otherwise)."""
    if not is_mapped(model):
        return {}
    state, metadata = _mapping_state(model), {BASE_KEY: _base_digest(model)}
    return {MAPPING_FILE: lambda path: save_file(state, str(path), metadata=metadata)}


def load_checkpoint_weights(model: RNNLM, folder: Path, device: torch.device) -> None:
    """Put a checkpoint's weights into the run's model: the plain weights, or T over the frozen source."""
    if not is_mapped(model):
        model.load_state_dict(ckpt.load_model_folder(folder, device).model.state_dict())
        return
    path = Path(folder) / MAPPING_FILE
    try:
        state = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            base = (handle.metadata() or {}).get(BASE_KEY)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path} cannot be read ({exc}): the checkpoint lacks its mapping T; "
                             "start a new run instead") from exc
    if base is not None and base != _base_digest(model):
        raise ModelFileError(f"the source this run's mapping T was trained over has changed since (its weights "
                             f"differ from those in {path}): resuming would put T over other weights; start a new "
                             "run from the source as it is now")
    own = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in state.items():
            if name not in own or own[name].shape != value.shape:
                raise ModelFileError(f"{path}: tensor {name!r} does not fit this run's mapping T; "
                                     "the checkpoint belongs to another run")
            own[name].copy_(value)
