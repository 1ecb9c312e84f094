"""The budget rule lives in the config, so every front door agrees on what "no budget" means."""
from __future__ import annotations

from rnnlm_studio.core.config import TrainConfig


def test_a_config_with_no_budget_trains_one_epoch() -> None:
    config = TrainConfig(train=["corpus.txt"])
    config.fill_budget()
    assert config.epochs == 1.0


def test_any_budget_is_kept_as_given() -> None:
    for budget in ({"max_steps": 30}, {"time_budget": 5.0}, {"epochs": 2.5}):
        config = TrainConfig(train=["corpus.txt"], **budget)
        config.fill_budget()
        assert (config.epochs, config.max_steps, config.time_budget) == (
            budget.get("epochs"), budget.get("max_steps"), budget.get("time_budget"))
