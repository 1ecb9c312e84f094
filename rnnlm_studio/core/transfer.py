"""Transfer types: what moves from a source model into the target, and what trains.

| type      | moves                          | trains                                   |
| scratch   | nothing                        | everything                               |
| structure | architecture                   | everything, from random init             |
| parameter | all weights (vocab mapped)     | everything                               |
| feature   | all weights                    | output layer only (untied so it can)     |
| partial   | --transfer-layers              | all but --freeze                         |
| ulmfit    | all weights                    | gradual unfreezing + discriminative LR   |

Weight-moving types take the source's architecture, except three model options a user can
mean with a source: `--layers N` (honoured: the bottom N layers are the source's, layers above
them start random), `--hidden-size N` above the source's (honoured: the source is grown to N units
per layer first, predicting exactly what it predicted, see widen.py) and `--no-tie` (honoured: the
output matrix becomes a separate one, copied untied or, when `output` is not copied, re-initialised,
so a frozen embedding can feed a fresh output layer). Where they cannot apply (`feature`, which takes `--feature-layer` instead, and
`task`) they are refused. An option "asks" only when it differs from both its default and the
source's value, so a stored run's config (which holds the source's architecture) re-runs as it ran.
The `task` type is in `classify.py`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .checkpoint import LoadedModel, weights_state
from .config import MOVES_WEIGHTS, ModelConfig, TrainConfig, check_layer_options
from .errors import TransferError, option, spell
from .mapping import apply_mapping
from .model import RNNLM
from .schedule import discriminative_scales, unfrozen_count
from .tokenizer import Tokenizer
from .vocab_map import map_vocabulary
from .widen import widened


@dataclass
class TargetSetup:
    """The model to train, its optimiser groups, and the per-step freezing schedule."""

    model: RNNLM
    groups: list[dict]
    messages: list[str] = field(default_factory=list)
    unfreeze_groups: list[str] = field(default_factory=list)
    steps_per_group: int = 0

    def before_step(self, step: int) -> None:
        """ULMFiT's gradual unfreezing: the top `k` groups train, the rest stay fixed."""
        if not self.unfreeze_groups:
            return
        k = unfrozen_count(step, len(self.unfreeze_groups), self.steps_per_group)
        for i, group in enumerate(self.unfreeze_groups):
            for param in self.model.layer_parameters(group):
                param.requires_grad_(i >= len(self.unfreeze_groups) - k)


def target_architecture(config: TrainConfig, tokenizer: Tokenizer, source: LoadedModel | None) -> ModelConfig:
    return config.target_model(tokenizer.vocab_size, source.model.config if source is not None else None)


def _moved_groups(config: TrainConfig, model: RNNLM, source: RNNLM) -> list[str]:
    """The groups copied from the source: --transfer-layers for partial, else every group both models
    have; feature transfer from a lower layer leaves the output layer fresh (it was trained on the top one)."""
    if config.transfer == "partial" and config.transfer_layers:
        return config.transfer_layers
    groups = [name for name in model.layer_names() if name in source.layer_names()]
    if config.transfer == "feature" and len(model.rnn) < len(source.rnn):
        groups.remove("output")
    return groups


def _architecture_notes(config: TrainConfig, arch: ModelConfig, source: ModelConfig) -> list[str]:
    notes = []
    if config.transfer == "feature" and arch.layers < source.layers:
        notes.append(f"feature transfer reads layer rnn.{arch.layers - 1} of the source's {source.layers}: the "
                     "layers above it are left out and a fresh output layer learns from it")
    elif arch.layers != source.layers:
        kept = f"the source's bottom {arch.layers} of {source.layers} layers" if arch.layers < source.layers else (
            f"the source's {source.layers} layer(s) with rnn.{source.layers} to rnn.{arch.layers - 1} from random "
            "weights on top")
        notes.append(spell(f"{option('layers')} {arch.layers}: the target has {kept}"))
    if arch.hidden_size != source.hidden_size:
        notes.append(spell(f"{option('hidden_size')} {arch.hidden_size}: the source's {source.hidden_size} units per "
                           f"layer are grown to {arch.hidden_size}; the new units start fresh and unread, so the "
                           "grown model starts out predicting exactly what the source predicts"))
    if source.tie_weights and not arch.tie_weights and config.transfer != "feature":
        notes.append(spell(f"{option('no_tie')}: the target's output matrix is its own (copied untied when the "
                           "output layer is copied, else freshly initialised)"))
    return notes


def copy_tensors(source: RNNLM, target: RNNLM, groups: list[str]) -> list[str]:
    """Copy the named groups' tensors exactly; refuse with the tensor's name when shapes differ."""
    src_state = weights_state(source)
    if not target.config.tie_weights and source.config.tie_weights:
        src_state.update(_untied_output(source))
    copied = []
    with torch.no_grad():
        for name, param in target.named_parameters():
            if _group_of(name) not in groups:
                continue
            if name not in src_state:
                raise TransferError(f"cannot transfer {name}: the source model has no such tensor "
                                    f"(source cell {source.config.cell}, {source.config.layers} layers)")
            if tuple(src_state[name].shape) != tuple(param.shape):
                raise TransferError(f"cannot transfer {name}: the source has shape {tuple(src_state[name].shape)} "
                                    f"but the target needs {tuple(param.shape)}; use the source's architecture "
                                    "(transfer type structure/parameter) or leave this layer out")
            param.copy_(src_state[name])
            copied.append(name)
    return copied


def _untied_output(source: RNNLM) -> dict[str, torch.Tensor]:
    """A tied output layer as one untied decoder computing the same logits (feature transfer trains it).

    With a projection P the untied target has none, so it is folded in: E(Ph + p) + b = (EP)h + (Ep + b).
    """
    embedding, bias = source.embedding.weight.detach(), source.decoder.bias.detach()
    if source.proj is None:
        return {"decoder.weight": embedding}
    return {"decoder.weight": embedding @ source.proj.weight.detach(),
            "decoder.bias": embedding @ source.proj.bias.detach() + bias}


def _group_of(name: str) -> str:
    if name.startswith("embedding."):
        return "embedding"
    if name.startswith("rnn."):
        return ".".join(name.split(".")[:2])
    return "output"


def _check_layers(names: list[str], model: RNNLM, setting: str) -> None:
    unknown = [n for n in names if n not in model.layer_names()]
    if unknown:
        raise TransferError(f"{option(setting)} {' '.join(unknown)}: unknown layer; choose from "
                            f"{', '.join(model.layer_names())}")


def _freeze(model: RNNLM, groups: list[str]) -> None:
    for group in groups:
        for param in model.layer_parameters(group):
            param.requires_grad_(False)


def build_target(config: TrainConfig, tokenizer: Tokenizer, source: LoadedModel | None,
                 steps_per_epoch: int = 0) -> TargetSetup:
    check_layer_options(config, None)
    arch = target_architecture(config, tokenizer, source)
    config.model = arch
    model = RNNLM(arch)
    messages: list[str] = []
    if config.transfer not in ("scratch",) and source is not None:
        messages.append(f"{config.transfer} transfer from {source.name}: the target uses the source's architecture "
                        f"({arch.layers}x{arch.hidden_size} {arch.cell}, embedding {arch.emb_size})")
        messages += _architecture_notes(config, arch, source.model.config)
    if config.transfer in MOVES_WEIGHTS and source is not None:
        layers = _moved_groups(config, model, source.model)
        _check_layers(layers, model, "transfer_layers")
        source_model = source.model
        if source.tokenizer.fingerprint() != tokenizer.fingerprint():
            source_model, coverage = map_vocabulary(source.model, source.tokenizer, tokenizer, config.new_pieces)
            messages.append(coverage)
        if arch.hidden_size > source_model.config.hidden_size:
            source_model = widened(source_model.cpu(), arch.hidden_size, seed=config.seed)
        copy_tensors(source_model.cpu(), model, layers)
    groups = [{"params": [p for p in model.parameters()]}]
    setup = TargetSetup(model=model, groups=groups, messages=messages)
    if config.transfer == "feature":
        _freeze(model, ["embedding", *[n for n in model.layer_names() if n.startswith("rnn.")]])
    elif config.transfer == "partial":
        _check_layers(config.freeze, model, "freeze")
        _freeze(model, config.freeze)
    elif config.transfer == "ulmfit":
        if config.schedule != "slanted":
            messages.append("ulmfit uses the slanted triangular learning-rate schedule")
            config.schedule = "slanted"
        names = model.layer_names()
        scales = discriminative_scales(len(names), config.discriminative_factor)
        setup.groups = [{"params": model.layer_parameters(n), "lr_scale": s} for n, s in zip(names, scales)]
        setup.unfreeze_groups = names
        setup.steps_per_group = config.unfreeze_every or steps_per_epoch
        setup.before_step(0)
    if config.mapping != "none":  # config.validate allows it with `parameter` only
        trainable, message = apply_mapping(model, config.mapping, config.rank)
        setup.groups = [{"params": trainable}]
        messages.append(message)
    return setup
