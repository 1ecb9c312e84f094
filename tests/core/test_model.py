"""RNNLM: shapes for every cell and tying, tied storage, parameter count, layer groups."""
from __future__ import annotations

import itertools

import pytest
import torch

from rnnlm_studio.core.config import CELLS, ModelConfig
from rnnlm_studio.core.errors import ConfigError
from rnnlm_studio.core.model import RNNLM, detach_hidden

VOCAB, BATCH, STEPS = 50, 3, 7
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
SHAPES = [(16, 16), (16, 32)]  # (emb, hidden): equal sizes, and a projection when tied


def config(cell: str, tied: bool, emb: int, hidden: int, layers: int = 2) -> ModelConfig:
    return ModelConfig(cell=cell, vocab_size=VOCAB, emb_size=emb, hidden_size=hidden, layers=layers,
                       tie_weights=tied)


def hand_count(cfg: ModelConfig) -> int:
    """Parameters counted from the architecture's definition, not from the module."""
    gates = GATES[cfg.cell]
    total = cfg.vocab_size * cfg.emb_size
    for layer in range(cfg.layers):
        inputs = cfg.emb_size if layer == 0 else cfg.hidden_size
        total += gates * cfg.hidden_size * (inputs + cfg.hidden_size + 2)
    out = cfg.hidden_size
    if cfg.tie_weights and cfg.hidden_size != cfg.emb_size:
        total += cfg.hidden_size * cfg.emb_size + cfg.emb_size
        out = cfg.emb_size
    total += cfg.vocab_size  # decoder bias
    if not cfg.tie_weights:
        total += cfg.vocab_size * out
    return total


@pytest.mark.parametrize("cell,tied,sizes", list(itertools.product(CELLS, (True, False), SHAPES)))
def test_forward_shapes(cell: str, tied: bool, sizes: tuple[int, int]) -> None:
    emb, hidden = sizes
    model = RNNLM(config(cell, tied, emb, hidden))
    ids = torch.randint(0, VOCAB, (BATCH, STEPS))
    logits, state = model(ids)
    assert logits.shape == (BATCH, STEPS, VOCAB)
    assert len(state) == 2
    for h in state:
        parts = h if cell == "lstm" else (h,)
        assert isinstance(h, tuple) == (cell == "lstm")
        assert all(p.shape == (1, BATCH, hidden) for p in parts)
    assert (model.proj is not None) == (tied and emb != hidden)
    again, _ = model(ids[:, :2], detach_hidden(state))  # a carried state is accepted
    assert again.shape == (BATCH, 2, VOCAB)


@pytest.mark.parametrize("cell,tied,sizes", list(itertools.product(CELLS, (True, False), SHAPES)))
def test_parameter_count_matches_hand_count(cell: str, tied: bool, sizes: tuple[int, int]) -> None:
    cfg = config(cell, tied, *sizes)
    model = RNNLM(cfg)
    assert model.num_parameters() == hand_count(cfg)
    model.rnn[0].requires_grad_(False)
    frozen = sum(p.numel() for p in model.rnn[0].parameters())
    assert model.num_parameters(trainable_only=True) == hand_count(cfg) - frozen


@pytest.mark.parametrize("sizes", SHAPES)
def test_tied_weights_share_storage(sizes: tuple[int, int]) -> None:
    tied = RNNLM(config("lstm", True, *sizes))
    assert tied.decoder.weight is tied.embedding.weight
    with torch.no_grad():
        tied.embedding.weight[3, 0] = 42.0
    assert tied.decoder.weight[3, 0].item() == 42.0
    untied = RNNLM(config("lstm", False, *sizes))
    assert untied.decoder.weight.data_ptr() != untied.embedding.weight.data_ptr()


@pytest.mark.parametrize("cell,tied,sizes", list(itertools.product(CELLS, (True, False), SHAPES)))
def test_layer_groups_partition_the_parameters(cell: str, tied: bool, sizes: tuple[int, int]) -> None:
    model = RNNLM(config(cell, tied, *sizes, layers=3))
    assert model.layer_names() == ["embedding", "rnn.0", "rnn.1", "rnn.2", "output"]
    grouped = [id(p) for name in model.layer_names() for p in model.layer_parameters(name)]
    assert len(grouped) == len(set(grouped)), "a parameter belongs to two groups"
    assert set(grouped) == {id(p) for p in model.parameters()}, "a parameter belongs to no group"
    assert all(p is not model.embedding.weight for p in model.layer_parameters("output"))
    with pytest.raises(KeyError):
        model.layer_parameters("decoder")


def test_eval_is_deterministic_and_dropout_only_in_training() -> None:
    cfg = ModelConfig(vocab_size=VOCAB, emb_size=16, hidden_size=16, layers=2, dropout_emb=0.3,
                      dropout_input=0.3, dropout_hidden=0.3, dropout_output=0.3)
    model = RNNLM(cfg)
    ids = torch.randint(0, VOCAB, (BATCH, STEPS))
    model.eval()
    assert torch.equal(model(ids)[0], model(ids)[0])
    model.train()
    assert not torch.equal(model(ids)[0], model(ids)[0])


def test_detach_hidden_keeps_values_and_cuts_the_graph() -> None:
    model = RNNLM(config("lstm", True, 16, 16))
    _, state = model(torch.randint(0, VOCAB, (BATCH, STEPS)))
    cut = detach_hidden(state)
    for before, after in zip(state, cut):
        for b, a in zip(before, after):
            assert b.requires_grad and not a.requires_grad
            assert torch.equal(a, b)


@pytest.mark.parametrize("field,value", [("cell", "transformer"), ("hidden_size", 0), ("layers", -1),
                                         ("dropout_output", 1.0)])
def test_invalid_architecture_is_refused(field: str, value: object) -> None:
    cfg = config("lstm", True, 16, 16)
    setattr(cfg, field, value)
    with pytest.raises(ConfigError, match=f"`{field}`" if field != "cell" else "cell"):
        RNNLM(cfg)


def test_reset_rows_zeroes_only_the_chosen_rows_of_every_layer() -> None:
    from rnnlm_studio.core.model import reset_rows

    lstm = [(torch.ones(1, 3, 4), torch.full((1, 3, 4), 2.0)), (torch.ones(1, 3, 4), torch.ones(1, 3, 4))]
    out = reset_rows(lstm, torch.tensor([True, False, True]))
    for h, c in out:
        assert h[:, 1].abs().sum() == 0 and c[:, 1].abs().sum() == 0
        assert (h[:, [0, 2]] == 1).all()
    assert (out[0][1][:, 0] == 2).all()
    gru = reset_rows([torch.ones(2, 3, 4)], torch.tensor([False, True, True]))
    assert gru[0][:, 0].abs().sum() == 0 and (gru[0][:, 1:] == 1).all()
