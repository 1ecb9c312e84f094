"""Growing a trained model wider without changing what it predicts.

A source that underfits its text needs more units, and training the wider model from scratch throws
away what the source learned. Here every old unit keeps its weights, and each new unit starts as a
freshly initialised unit that nothing reads yet: the weights that would read it (its own layer's
recurrence, the layer above, the output projection) start at zero. The grown model therefore predicts
exactly what the source did, the new units compute random features of what the old ones know, and
the gradient on the zero weights is not zero, so training starts using them at once.

Net2WiderNet (Chen et al., 2016) instead copies existing units and splits what reads them. Under
Adam copies get proportional gradients and so the same updates, and stay copies: on tiny-shakespeare,
a 2x64 character LSTM grown to 128 and trained 800 more steps reached 2.07 nats per character with
copies and 1.88 with fresh units (2.13 staying at 64).
"""
from __future__ import annotations

import dataclasses

import torch

from .model import RNNLM


def _grow_layer(old: torch.nn.Module, new: torch.nn.Module, grown_input: bool) -> None:
    """Old units' rows into the fresh layer, gate by gate (PyTorch stacks the gates along dim 0); the
    columns that read new units (own recurrence, and a grown layer below) set to zero."""
    small, large = old.hidden_size, new.hidden_size
    gates = old.weight_hh_l0.size(0) // small
    for name, param in new.named_parameters():
        value = getattr(old, name).detach()
        for k in range(gates):
            if param.dim() == 2:
                param[k * large:k * large + small, :value.size(1)] = value[k * small:(k + 1) * small]
            else:
                param[k * large:k * large + small] = value[k * small:(k + 1) * small]
        if name.startswith("weight_hh") or (name.startswith("weight_ih") and grown_input):
            param[:, small:] = 0


def _grow_output(source: RNNLM, target: RNNLM) -> None:
    """The output layer reads the old units as before and the new ones with zero weights; a tied source
    without a projection (hidden = embedding size) gains one that passes the old units through."""
    small = source.config.hidden_size
    reader = target.proj if target.proj is not None else target.decoder
    reader.weight.zero_()
    if source.proj is not None:
        reader.weight[:, :small] = source.proj.weight.detach()
        reader.bias.copy_(source.proj.bias.detach())
    elif target.proj is not None:
        reader.weight[:, :small] = torch.eye(small)
        reader.bias.zero_()
    else:
        reader.weight[:, :small] = source.decoder.weight.detach()
    target.decoder.bias.copy_(source.decoder.bias.detach())
    target.embedding.weight.copy_(source.embedding.weight.detach())


def widened(source: RNNLM, hidden_size: int, seed: int = 0) -> RNNLM:
    """A copy of `source` with `hidden_size` units per recurrent layer (at least the source's) that
    predicts exactly what the source predicts; `seed` draws the new units' weights."""
    small = source.config.hidden_size
    if hidden_size < small:
        raise ValueError(f"cannot narrow a model from {small} to {hidden_size} units")
    if source.proj is not None and hidden_size == source.config.emb_size:
        raise ValueError(f"a tied model widened to its embedding size ({hidden_size}) loses its projection; "
                         "choose another width")
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        target = RNNLM(dataclasses.replace(source.config, hidden_size=hidden_size))
    with torch.no_grad():
        for i, (old, new) in enumerate(zip(source.rnn, target.rnn)):
            _grow_layer(old, new, grown_input=i > 0)
        _grow_output(source, target)
    return target
