"""The mixture of sources (`--multi-source mixture`): feature transfer from several encoders at once.

Each source's encoder (embedding and recurrent stack, its vocabulary mapped onto the target's
tokenizer) stays frozen. At every position a gate, a softmax over the sources computed from their
concatenated top-layer states, weighs their states, each first projected to one common size by
its own adapter; the target's own output layer reads the mixed state. Gate, adapters and output
layer are what train.

The module reads like an `RNNLM` to the rest of the code (`encode`, `project`, `forward`,
`config`, `num_parameters`), so the run loop, evaluation and sampling take it as it is. Its
carried state is the sources' states laid end to end, one entry per source layer, so the
trainer's state resets and detaching apply unchanged. A model folder stores the frozen
encoders' weights beside the rest (core/checkpoint.py: `"mixture"` in config.json), so it loads
and generates on its own, from safetensors and JSON only.
"""
from __future__ import annotations

import dataclasses

import torch
from torch import nn

from .config import ModelConfig
from .model import RNNLM, Hidden, LockedDropout


def encoder_only(model: RNNLM) -> RNNLM:
    """A source's encoder: the model without its output layer, which a mixture never reads (and whose
    tied matrix would be a second name for the embedding in the weights file)."""
    model.decoder = None
    model.proj = None
    return model


class MixtureLM(nn.Module):
    """Frozen source encoders, a per-position softmax gate over them, adapters to `size`, an output layer."""

    def __init__(self, config: ModelConfig, encoders: list[RNNLM], names: list[str]) -> None:
        super().__init__()
        self.config = config
        self.names = names
        self.sources = nn.ModuleList(encoder_only(encoder) for encoder in encoders)
        sizes = [encoder.config.hidden_size for encoder in encoders]
        self.adapters = nn.ModuleList(nn.Linear(size, config.hidden_size) for size in sizes)
        self.gate = nn.Linear(sum(sizes), len(encoders))
        self.drop_output = LockedDropout(config.dropout_output)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The gate starts even (zero weights: every source 1/K); an adapter whose source already has
        the common size starts as the identity, so the output layer a source came with reads its own
        states as it did."""
        nn.init.zeros_(self.gate.weight)
        nn.init.zeros_(self.gate.bias)
        for adapter in self.adapters:
            if adapter.in_features == adapter.out_features:
                nn.init.eye_(adapter.weight)
                nn.init.zeros_(adapter.bias)

    def _split(self, hidden: Hidden | None) -> list[Hidden | None]:
        if hidden is None:
            return [None] * len(self.sources)
        parts, start = [], 0
        for encoder in self.sources:
            parts.append(hidden[start:start + len(encoder.rnn)])
            start += len(encoder.rnn)
        return parts

    def states(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[list[torch.Tensor], Hidden]:
        """Each source's top-layer states [B, T, H_i] and the carried state of all of them."""
        tops, carried = [], []
        for encoder, part in zip(self.sources, self._split(hidden)):
            top, state = encoder.encode(ids, part)
            tops.append(top)
            carried.extend(state)
        return tops, carried

    def gate_weights(self, tops: list[torch.Tensor]) -> torch.Tensor:
        """[B, T, K]: each position's share of each source; sums to 1 over the sources."""
        return torch.softmax(self.gate(torch.cat(tops, dim=-1)), dim=-1)

    def encode(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        tops, carried = self.states(ids, hidden)
        weights = self.gate_weights(tops)
        mixed = sum(weights[..., i:i + 1] * adapter(top) for i, (adapter, top) in enumerate(zip(self.adapters, tops)))
        return mixed, carried

    def project(self, features: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.drop_output(features))

    def forward(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        features, hidden = self.encode(ids, hidden)
        return self.project(features), hidden

    def layout(self) -> dict:
        """What config.json records beside the nominal architecture, to rebuild the module on loading."""
        return {"sources": [{"name": name, "model": dataclasses.asdict(encoder.config)}
                            for name, encoder in zip(self.names, self.sources)]}

    num_parameters = RNNLM.num_parameters  # counts shared tensors once, whatever the module
