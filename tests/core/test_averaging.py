"""Weight averaging (`--average-from`): the kept model is the mean of the weights after every step
from that share of the budget on, and a stopped run resumes to the same result."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.averaging import RAW_PREFIX, WeightAverage
from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.errors import ConfigError
from rnnlm_studio.core.events import AverageEvent, DoneEvent, EvalEvent, StepEvent
from rnnlm_studio.core.trainer import train

from .test_trainer import home, of, run_until, tiny_config  # noqa: F401  (home: the module's data folder)


def test_the_mean_is_of_every_folded_step_and_applied_only_inside_the_block() -> None:
    model = torch.nn.Linear(2, 1)
    average = WeightAverage(model)
    for value in (1.0, 2.0, 6.0):
        torch.nn.init.constant_(model.weight, value)
        average.update(model)
    assert average.count == 3
    with average.applied(model):
        assert torch.allclose(model.weight, torch.full((1, 2), 3.0))
        assert torch.equal(average.tensors()[RAW_PREFIX + "weight"], torch.full((1, 2), 6.0))
    assert torch.equal(model.weight, torch.full((1, 2), 6.0))
    assert average.tensors() == {}


@pytest.mark.parametrize("share", [0.0, 1.0, -0.5, float("nan")])
def test_a_share_outside_the_budget_is_refused_by_name(share: float) -> None:
    with pytest.raises(ConfigError, match=r"average.from"):
        TrainConfig(train=["x.txt"], average_from=share).validate()


@pytest.fixture(scope="module")
def runs(home: Path, shakespeare_small: dict[str, Path]) -> dict:
    """The same 40 steps three ways: plain, averaged from halfway, and averaged but stopped at step 30
    and resumed."""
    config = tiny_config(shakespeare_small, max_steps=40, eval_every=10)
    averaged = dataclasses.replace(config, average_from=0.5)
    first = run_until(dataclasses.replace(averaged), stop_at=30)
    last = Path(first[0].run_dir) / "checkpoints" / "last"
    stopped = {"meta": ckpt.load_training_state_meta(last), "model": load_file(str(last / "model.safetensors")),
               "training": load_file(str(last / ckpt.TRAIN_TENSORS))}
    resumed = list(train(dataclasses.replace(averaged), resume=first[0].run_id, overrides={"max_steps": 40}))
    return {"plain": list(train(config)), "averaged": list(train(averaged)), "stopped": stopped, "resumed": resumed}


def test_averaging_begins_at_its_share_and_says_so(runs: dict) -> None:
    """Once, as a typed event the plots can mark, where the run stands when it begins."""
    began = of(runs["averaged"], AverageEvent)
    assert [(e.step, e.share) for e in began] == [(20, 0.5)]
    steps = of(runs["averaged"], StepEvent)
    before, after = [e for e in steps if e.step <= 20][-1], next(e for e in steps if e.step >= 20)
    assert before.tokens_seen <= began[0].tokens_seen <= after.tokens_seen
    assert began[0].message == ("averaging weights from step 20 (50% of the budget) on: evaluations and checkpoints "
                                "now use the mean of the weights after every step since")
    assert not of(runs["plain"], AverageEvent)


def test_evaluations_before_the_share_are_of_the_weights_and_after_it_of_the_mean(runs: dict) -> None:
    def periodic(events: list) -> dict[int, float]:
        return {e.step: e.loss for e in of(events, EvalEvent) if not e.extra.get("final")}

    plain, averaged = periodic(runs["plain"]), periodic(runs["averaged"])
    assert plain[10] == averaged[10]
    assert plain[30] != averaged[30] and plain[40] != averaged[40]


def test_a_checkpoint_keeps_the_mean_as_the_model_and_the_weights_to_go_on_from(runs: dict) -> None:
    stopped = runs["stopped"]
    assert stopped["meta"]["average_count"] == 11  # steps 20 to 30
    raw = {k[len(RAW_PREFIX):]: v for k, v in stopped["training"].items() if k.startswith(RAW_PREFIX)}
    assert set(raw) & set(stopped["model"])
    differing = [name for name, t in raw.items() if name in stopped["model"]
                 and not torch.equal(t.to(stopped["model"][name].dtype), stopped["model"][name])]
    assert differing


def test_a_resumed_averaging_run_ends_as_the_uninterrupted_one(runs: dict) -> None:
    straight, resumed = runs["averaged"][-1], runs["resumed"][-1]
    assert isinstance(straight, DoneEvent) and isinstance(resumed, DoneEvent)
    assert resumed.valid == straight.valid and resumed.test == straight.test
