"""The time-per-epoch estimate: measured on real training steps of the architecture, not assumed."""
from __future__ import annotations

import pytest

from rnnlm_studio.core import estimate
from rnnlm_studio.core.config import ModelConfig

TINY = ModelConfig(emb_size=16, hidden_size=32, vocab_size=200)


def test_the_speed_comes_from_training_steps_of_this_architecture(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    real = estimate.measure_tokens_per_s

    def counted(model: ModelConfig, batch_size: int, bptt: int, seconds: float = 0.05) -> float:
        calls.append((model.hidden_size, batch_size, bptt))
        return real(model, batch_size, bptt, seconds=0.05)

    monkeypatch.setattr(estimate, "measure_tokens_per_s", counted)
    monkeypatch.setattr(estimate, "_measured", {})
    parameters, speed = estimate.count_and_measure(TINY, 4, 8)
    assert parameters == estimate.count_parameters(TINY) and speed > 0
    assert estimate.count_and_measure(TINY, 4, 8) == (parameters, speed) and len(calls) == 1  # measured once
    estimate.count_and_measure(ModelConfig(emb_size=16, hidden_size=48, vocab_size=200), 4, 8)
    assert calls == [(32, 4, 8), (48, 4, 8)], "another architecture is measured again"


def test_an_epoch_takes_its_tokens_at_the_measured_rate() -> None:
    speed = estimate.speed_from_throughput(tokens_per_s=1_000.0, parameters=50_000)
    assert estimate.epoch_seconds(train_tokens=120_000, parameters=50_000, speed=speed) == pytest.approx(120.0)
