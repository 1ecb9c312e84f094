"""Learning-rate schedules, discriminative LRs and gradual unfreezing at given steps."""
from __future__ import annotations

import math

import pytest
import torch

from rnnlm_studio.core.errors import ConfigError
from rnnlm_studio.core.schedule import LRSchedule, build_optimizer, discriminative_scales, unfrozen_count


def ulmfit_stlr(t: int, total: int, cut_frac: float = 0.1, ratio: float = 32.0) -> float:
    """Howard & Ruder (2018), eq. 3, as a multiplier of the maximum LR."""
    cut = math.floor(total * cut_frac)
    p = t / cut if t < cut else 1 - (t - cut) / (cut * (1 / cut_frac - 1))
    return (1 + p * (ratio - 1)) / ratio


@pytest.mark.parametrize("step,progress,expected", [
    (0, 0.0, 0.1),  # warm-up step 1 of 10, cosine at its top
    (4, 0.0, 0.5),
    (9, 0.0, 1.0),  # warm-up done
    (50, 0.5, 0.05 + 0.95 * 0.5),  # half-way down the cosine
    (75, 0.75, 0.05 + 0.95 * 0.5 * (1 + math.cos(0.75 * math.pi))),
    (100, 1.0, 0.05),  # the floor
    (200, 3.0, 0.05),  # progress is clamped
])
def test_cosine_with_warmup(step: int, progress: float, expected: float) -> None:
    assert LRSchedule("cosine", warmup_steps=10).factor(step, progress) == pytest.approx(expected)


@pytest.mark.parametrize("t", [0, 5, 10, 11, 40, 55, 99, 100])
def test_slanted_triangular_follows_ulmfit(t: int) -> None:
    schedule = LRSchedule("slanted", warmup_steps=10)  # warm-up does not apply to slanted
    assert schedule.factor(t, t / 100) == pytest.approx(ulmfit_stlr(t, 100))


def test_slanted_triangular_landmarks() -> None:
    schedule = LRSchedule("slanted")
    assert schedule.factor(0, 0.0) == pytest.approx(1 / 32)
    assert schedule.factor(0, 0.1) == pytest.approx(1.0)
    assert schedule.factor(0, 0.05) == pytest.approx(16.5 / 32)
    assert schedule.factor(0, 0.55) == pytest.approx(16.5 / 32)
    assert schedule.factor(0, 1.0) == pytest.approx(1 / 32)


def test_constant_only_warms_up() -> None:
    schedule = LRSchedule("constant", warmup_steps=4)
    assert [schedule.factor(s, 0.9) for s in range(6)] == pytest.approx([0.25, 0.5, 0.75, 1, 1, 1])


def test_plateau_divides_only_when_validation_stops_improving() -> None:
    schedule = LRSchedule("plateau", warmup_steps=0, plateau_factor=4.0)
    assert schedule.factor(10, 0.5) == 1.0
    schedule.on_eval(improved=True)
    assert schedule.factor(10, 0.5) == 1.0
    schedule.on_eval(improved=False)
    assert schedule.factor(10, 0.5) == 0.25
    schedule.on_eval(improved=False)
    assert schedule.factor(10, 0.5) == 0.0625
    cosine = LRSchedule("cosine")
    cosine.on_eval(improved=False)
    assert cosine.plateau_scale == 1.0


def test_discriminative_scales_for_four_groups() -> None:
    assert discriminative_scales(4, 2.6) == pytest.approx([1 / 2.6 ** 3, 1 / 2.6 ** 2, 1 / 2.6, 1.0])
    assert discriminative_scales(1, 2.6) == [1.0]


@pytest.mark.parametrize("step,expected", [(0, 1), (9, 1), (10, 2), (19, 2), (20, 3), (30, 4), (1000, 4)])
def test_unfrozen_count(step: int, expected: int) -> None:
    assert unfrozen_count(step, 4, 10) == expected


def test_unfrozen_count_without_a_schedule_unfreezes_everything() -> None:
    assert unfrozen_count(0, 4, 0) == 4


def test_apply_scales_every_group_from_its_own_base() -> None:
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    optimizer = build_optimizer([{"params": [a], "lr_scale": 0.25}, {"params": [b]}], "sgd", 0.4, 0.0)
    assert [g["initial_lr"] for g in optimizer.param_groups] == pytest.approx([0.1, 0.4])
    top = LRSchedule("constant", warmup_steps=2).apply(optimizer, 0, 0.0)
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.05, 0.2])
    assert top == pytest.approx(0.2)


@pytest.mark.parametrize("name,cls", [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam),
                                      ("adamw", torch.optim.AdamW)])
def test_build_optimizer(name: str, cls: type) -> None:
    optimizer = build_optimizer([{"params": [torch.nn.Parameter(torch.zeros(1))]}], name, 0.01, 0.1)
    assert type(optimizer) is cls
    assert optimizer.param_groups[0]["weight_decay"] == 0.1
    with pytest.raises(ConfigError, match="adamw, adam or sgd"):
        build_optimizer([{"params": [torch.nn.Parameter(torch.zeros(1))]}], "lion", 0.01, 0.0)
