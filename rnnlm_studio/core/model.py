"""The recurrent language model: embedding -> stacked RNN -> (tied) output layer.

One `nn.LSTM`/`nn.GRU`/`nn.RNN` per layer (as in AWD-LSTM) so that transfer can copy,
freeze or re-initialise layers one by one; parameter names are therefore
`embedding.*`, `rnn.0.*`, `rnn.1.*`, ..., `proj.*` (only when tied and hidden != emb)
and `decoder.*`. With tied weights the decoder reuses the embedding matrix.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig

Hidden = list[torch.Tensor | tuple[torch.Tensor, torch.Tensor]]


def _make_cell(cell: str, input_size: int, hidden_size: int) -> nn.Module:
    if cell == "lstm":
        return nn.LSTM(input_size, hidden_size, batch_first=True)
    if cell == "gru":
        return nn.GRU(input_size, hidden_size, batch_first=True)
    nonlinearity = "tanh" if cell == "rnn_tanh" else "relu"
    return nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, batch_first=True)


class LockedDropout(nn.Module):
    """Variational dropout: one mask per sequence, shared over time (AWD-LSTM)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        mask = x.new_empty(x.size(0), 1, x.size(2)).bernoulli_(1 - self.p) / (1 - self.p)
        return x * mask


def layer_names(layers: int) -> list[str]:
    """Transferable groups of a model with `layers` recurrent layers, bottom to top: embedding,
    rnn.0 .. rnn.N-1, output. The one spelling of the names `--transfer-layers` and `--freeze` take."""
    return ["embedding", *[f"rnn.{i}" for i in range(layers)], "output"]


class RNNLM(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.emb_size)
        self.rnn = nn.ModuleList(
            _make_cell(config.cell, config.emb_size if i == 0 else config.hidden_size, config.hidden_size)
            for i in range(config.layers)
        )
        out_size = config.hidden_size
        self.proj: nn.Linear | None = None
        if config.tie_weights and config.hidden_size != config.emb_size:
            self.proj = nn.Linear(config.hidden_size, config.emb_size)
            out_size = config.emb_size
        self.decoder = nn.Linear(out_size, config.vocab_size)
        if config.tie_weights:
            self.decoder.weight = self.embedding.weight
        self.drop_input = LockedDropout(config.dropout_input)
        self.drop_hidden = LockedDropout(config.dropout_hidden)
        self.drop_output = LockedDropout(config.dropout_output)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Small uniform embeddings, zero decoder bias, orthogonal recurrent weights."""
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if not self.config.tie_weights:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        for layer in self.rnn:
            self.reset_layer(layer)
        if self.proj is not None:
            self.proj.reset_parameters()

    @staticmethod
    def reset_layer(layer: nn.Module) -> None:
        for name, param in layer.named_parameters():
            if name.startswith("weight_hh"):
                for chunk in param.data.chunk(max(1, param.size(0) // param.size(1))):
                    nn.init.orthogonal_(chunk)
            elif name.startswith("weight_ih"):
                nn.init.xavier_uniform_(param)
            else:
                nn.init.zeros_(param)
        if isinstance(layer, nn.LSTM):
            hidden = layer.hidden_size
            layer.bias_ih_l0.data[hidden:2 * hidden].fill_(1.0)  # forget-gate bias

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        weight = self.embedding.weight
        if self.training and self.config.dropout_emb > 0:
            keep = weight.new_empty(weight.size(0), 1).bernoulli_(1 - self.config.dropout_emb)
            weight = weight * keep / (1 - self.config.dropout_emb)
        return F.embedding(ids, weight)

    def encode(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """Run the encoder; returns the top layer's outputs [B, T, H] and the new hidden state."""
        x = self.drop_input(self._embed(ids))
        new_hidden: Hidden = []
        for i, layer in enumerate(self.rnn):
            x, h = layer(x, None if hidden is None else hidden[i])
            new_hidden.append(h)
            if i < len(self.rnn) - 1:
                x = self.drop_hidden(x)
        return x, new_hidden

    def project(self, features: torch.Tensor) -> torch.Tensor:
        """Top-layer outputs -> logits over the vocabulary."""
        x = self.drop_output(features)
        if self.proj is not None:
            x = self.proj(x)
        return self.decoder(x)

    def forward(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """ids [B, T] -> logits [B, T, V] and the hidden state to carry to the next batch."""
        features, hidden = self.encode(ids, hidden)
        return self.project(features), hidden

    def num_parameters(self, trainable_only: bool = False) -> int:
        seen: set[int] = set()
        total = 0
        for param in self.parameters():
            if id(param) in seen or (trainable_only and not param.requires_grad):
                continue
            seen.add(id(param))
            total += param.numel()
        return total

    def layer_names(self) -> list[str]:
        return layer_names(len(self.rnn))

    def layer_parameters(self, group: str) -> list[nn.Parameter]:
        """Parameters of one group; with tied weights the embedding matrix belongs to `embedding`."""
        if group == "embedding":
            return [self.embedding.weight]
        if group.startswith("rnn."):
            return list(self.rnn[int(group.split(".")[1])].parameters())
        if group == "output":
            params = [self.decoder.bias]
            if not self.config.tie_weights:
                params.append(self.decoder.weight)
            if self.proj is not None:
                params.extend(self.proj.parameters())
            return params
        raise KeyError(group)


def reset_rows(hidden: Hidden, keep: torch.Tensor) -> Hidden:
    """Zero the state of the batch rows where `keep` [B] is 0 (states are [layers, B, H])."""
    mask = keep.view(1, -1, 1).to(dtype=hidden[0][0].dtype if isinstance(hidden[0], tuple) else hidden[0].dtype)
    return [tuple(t * mask for t in h) if isinstance(h, tuple) else h * mask for h in hidden]


def detach_hidden(hidden: Hidden) -> Hidden:
    """Cut the graph between BPTT windows while keeping the state's values."""
    return [tuple(t.detach() for t in h) if isinstance(h, tuple) else h.detach() for h in hidden]
