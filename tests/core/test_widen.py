"""Growing a source wider (core/widen.py): the grown model predicts exactly what the source did, its new
units start unread and training puts them to use, and a transfer run grows its source when asked."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.errors import TransferError
from rnnlm_studio.core.events import LogEvent
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.widen import widened
from tests.core.test_transfer import run_with_start_state, source, source_dir, target_config  # noqa: F401


def _trained_like(config: ModelConfig) -> RNNLM:
    """Weights far from their initial values, as a trained model's are, so a wrong copy shows."""
    torch.manual_seed(0)
    model = RNNLM(config).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.3 * torch.randn_like(param))
    return model


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
@pytest.mark.parametrize("tied, emb", [(True, 16), (False, 16), (True, 24)])
def test_a_grown_model_predicts_what_the_source_predicts(cell: str, tied: bool, emb: int) -> None:
    """Tied with a projection, untied, and tied without one (the grown model gains an identity projection)."""
    small = _trained_like(ModelConfig(cell=cell, vocab_size=50, emb_size=emb, hidden_size=24, layers=2,
                                      tie_weights=tied))
    ids = torch.randint(0, 50, (3, 30))
    grown = widened(small, 40, seed=1).eval()
    assert grown.config.hidden_size == 40 and grown.rnn[1].hidden_size == 40
    torch.testing.assert_close(grown(ids)[0], small(ids)[0], rtol=0, atol=1e-5)


def test_old_units_keep_their_weights_and_new_ones_are_fresh_and_unread() -> None:
    small = _trained_like(ModelConfig(vocab_size=50, emb_size=16, hidden_size=8, layers=2))
    grown = widened(small, 12, seed=3)
    for layer, (old, new) in enumerate(zip(small.rnn, grown.rnn)):
        for gate in range(4):
            rows = slice(gate * 12, gate * 12 + 8)
            assert torch.equal(new.weight_hh_l0[rows, :8], old.weight_hh_l0[gate * 8:(gate + 1) * 8])
            assert new.weight_ih_l0[gate * 12 + 8:(gate + 1) * 12].abs().sum() > 0, "a new unit reads nothing"
        assert not new.weight_hh_l0[:, 8:].any(), "the recurrence reads a new unit from the start"
        assert layer == 0 or not new.weight_ih_l0[:, 8:].any(), "the layer above reads a new unit"
    assert not grown.proj.weight[:, 8:].any() and torch.equal(grown.proj.weight[:, :8], small.proj.weight)
    assert not torch.equal(widened(small, 12, seed=4).rnn[0].weight_ih_l0, grown.rnn[0].weight_ih_l0)


def test_narrowing_is_refused() -> None:
    small = _trained_like(ModelConfig(vocab_size=50, emb_size=16, hidden_size=24, layers=1))
    with pytest.raises(ValueError, match="cannot narrow a model from 24 to 16 units"):
        widened(small, 16)


def test_a_transfer_run_grows_its_source_when_asked(source: ckpt.LoadedModel, source_dir: Path,  # noqa: F811
                                                    shakespeare_small: dict[str, Path]) -> None:
    """--hidden-size above the source's: the run starts from the grown source (same predictions), says so,
    and training starts reading the new units."""
    config = target_config(shakespeare_small, source_dir, "parameter", model=ModelConfig(hidden_size=48))
    events, start, trained = run_with_start_state(config)
    assert start.config.hidden_size == 48 and start.config.layers == source.model.config.layers
    ids = torch.randint(0, source.tokenizer.vocab_size, (2, 40))
    start.eval(), source.model.eval()
    torch.testing.assert_close(start(ids)[0], source.model(ids)[0], rtol=0, atol=1e-4)
    assert any(isinstance(e, LogEvent) and "grown to 48" in e.message for e in events)
    assert not start.proj.weight[:, 32:].any()
    assert trained.proj.weight[:, 32:].abs().mean() > 1e-3, "training did not start reading the new units"


@pytest.mark.parametrize("transfer, needle", [("feature", "does not apply to `transfer` feature"),
                                              ("task", "`hidden_size` and `no_tie` do not apply"),
                                              ("parameter", "can only grow it")])
def test_growing_is_refused_where_it_cannot_apply(transfer: str, needle: str) -> None:
    source_config = ModelConfig(vocab_size=300, emb_size=16, hidden_size=32, layers=2)
    size = 24 if transfer == "parameter" else 48
    with pytest.raises(TransferError, match=needle):
        TrainConfig(transfer=transfer, model=ModelConfig(hidden_size=size)).target_model(300, source_config)
