"""The neural cache: a proper distribution over the vocabulary, blind to the future, and a real gain
on text that repeats itself."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlm_studio.core.cache import NeuralCache
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.errors import ConfigError
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.stream import TokenArray
from rnnlm_studio.core.evaluate import evaluate

VOCAB = 7


def _window(seed: int, rows: int = 2, steps: int = 9, hidden: int = 4):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(rows, steps, hidden, generator=g), torch.randn(rows, steps, VOCAB, generator=g),
            torch.randint(0, VOCAB, (rows, steps), generator=g))


def test_every_position_gets_a_distribution_over_the_vocabulary() -> None:
    cache = NeuralCache(window=5, theta=1.5, lam=0.3)
    features, logits, targets = _window(0)
    for position in (0, 3, 8):
        total = torch.zeros(targets.size(0))
        for token in range(VOCAB):
            probe = targets.clone()
            probe[:, position] = token
            nll, _, _ = cache.nll(features, logits, probe, None)
            total += torch.exp(-nll[:, position])
        assert torch.allclose(total, torch.ones_like(total), atol=1e-5)


def test_a_prediction_never_depends_on_what_comes_after_it() -> None:
    cache = NeuralCache(window=4, theta=2.0, lam=0.5)
    features, logits, targets = _window(1)
    changed = targets.clone()
    changed[:, 5:] = (changed[:, 5:] + 1) % VOCAB
    before, _, _ = cache.nll(features, logits, targets, None)
    after, _, _ = cache.nll(features, logits, changed, None)
    assert torch.equal(before[:, :5], after[:, :5])
    assert not torch.equal(before[:, 5:], after[:, 5:])


def test_carried_memory_scores_a_split_text_as_one_window() -> None:
    cache = NeuralCache(window=6, theta=1.0, lam=0.4)
    features, logits, targets = _window(2, steps=12)
    whole, _, _ = cache.nll(features, logits, targets, None)
    first, _, memory = cache.nll(features[:, :5], logits[:, :5], targets[:, :5], None)
    second, _, memory = cache.nll(features[:, 5:], logits[:, 5:], targets[:, 5:], memory)
    assert torch.allclose(torch.cat([first, second], dim=1), whole, atol=1e-6)
    assert memory.keys.size(1) == 6 and sorted(memory.positions.tolist()) == list(range(6, 12))


def test_a_token_beyond_the_window_is_forgotten() -> None:
    features = torch.ones(1, 4, 2)
    logits = torch.zeros(1, 4, VOCAB)
    targets = torch.tensor([[3, 0, 1, 3]])
    lam = 0.5
    near, _, _ = NeuralCache(window=3, theta=1.0, lam=lam).nll(features, logits, targets, None)
    far, model_nll, _ = NeuralCache(window=2, theta=1.0, lam=lam).nll(features, logits, targets, None)
    assert far[0, 3].item() == pytest.approx(model_nll[0, 3].item() - math.log1p(-lam))
    assert near[0, 3].item() == pytest.approx(-math.log((1 - lam) / VOCAB + lam / 3))


def test_off_means_the_network_alone() -> None:
    features, logits, targets = _window(3)
    nll, model_nll, memory = NeuralCache(window=0, theta=1.0, lam=0.2).nll(features, logits, targets, None)
    assert torch.equal(nll, model_nll) and memory is None
    with pytest.raises(ConfigError, match="`cache_lambda`"):  # as a Python user names it
        ModelConfig(cache_lambda=1.0).validate()


def test_the_cache_halves_the_perplexity_of_a_text_that_repeats(tmp_path: Path) -> None:
    """A random LSTM cannot predict a random sequence, but it passes the same states where the
    sequence repeats, and the cache turns that into predictions. (Its states are small at the
    initial embedding scale, hence larger embeddings and a sharp theta.)"""
    period = np.random.default_rng(0).integers(0, 50, size=40)
    ids = np.tile(period, 60).astype(np.uint16)
    array = TokenArray(ids=ids, n_words=len(ids), n_bytes=2 * len(ids), path=tmp_path / "ids.npy")
    scores = {}
    for window in (0, 500):
        torch.manual_seed(0)
        model = RNNLM(ModelConfig(vocab_size=50, emb_size=16, hidden_size=32, cache_window=window, cache_theta=50.0))
        model.embedding.weight.data.mul_(10)
        scores[window] = evaluate(model, array, torch.device("cpu"), "fp32")
    assert "cached_word_ppl" not in scores[0]  # off: the network alone, and no cached column
    assert scores[500]["word_ppl"] == pytest.approx(scores[0]["word_ppl"], rel=1e-5)  # the headline stays the network's
    assert scores[500]["cached_word_ppl"] < 0.5 * scores[500]["word_ppl"]
    assert scores[500]["cached_bpb"] < scores[500]["bpb"]
