"""Transfer types: what is copied exactly, what stays frozen, ULMFiT's schedule, refusals, baselines."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.baseline import train_with_baseline
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.errors import TransferError
from rnnlm_studio.core.events import (CheckpointEvent, DoneEvent, ErrorEvent, EvalEvent, Event, LogEvent, StartEvent,
                                      StepEvent)
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.schedule import LRSchedule, build_optimizer
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.trainer import TrainControl, train
from rnnlm_studio.core.transfer import build_target, copy_tensors

State = dict[str, torch.Tensor]
FACTOR = 2.6


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Iterator[Path]:
    """A 2-layer tied LSTM with a projection (emb 16 != hidden 32), trained for 60 steps."""
    home = tmp_path_factory.mktemp("source-home")
    config = TrainConfig(train=[str(shakespeare_small["train"])], valid=str(shakespeare_small["valid"]),
                         model=ModelConfig(vocab_size=300, emb_size=16, hidden_size=32, layers=2),
                         batch_size=16, bptt=16, lr=3e-2, max_steps=60, eval_every=60, precision="fp32", threads=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(home))
        done = list(train(config))[-1]
    assert isinstance(done, DoneEvent), done
    yield Path(done.best_checkpoint)


@pytest.fixture(scope="module")
def source(source_dir: Path) -> ckpt.LoadedModel:
    return ckpt.load_model_folder(source_dir)


def target_config(data: dict[str, Path], source_dir: Path, transfer: str, **changes) -> TrainConfig:
    """The user's model options differ from the source's: weight-moving types must ignore them. (The hidden
    size stays the default, which asks for nothing: a larger one grows the source, see test_widen.py.)"""
    config = TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), source=str(source_dir),
                         transfer=transfer, model=ModelConfig(vocab_size=500, emb_size=64),
                         batch_size=16, bptt=16, lr=1e-2, max_steps=10, eval_every=10, precision="fp32", threads=1)
    return dataclasses.replace(config, **changes)


def group_state(model: RNNLM, group: str) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.layer_parameters(group)]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def run_with_start_state(config: TrainConfig) -> tuple[list[Event], RNNLM, RNNLM]:
    """Train; returns the events, the model as set up (the step-0 checkpoint) and as trained (last)."""
    events, start = [], None
    for event in train(config):
        events.append(event)
        if isinstance(event, CheckpointEvent) and event.step == 0:
            start = ckpt.load_model_folder(Path(event.path)).model
    assert isinstance(events[-1], DoneEvent), events[-1]
    trained = ckpt.load_model_folder(Path(events[-1].run_dir) / "checkpoints" / "last").model
    return events, start, trained


def test_parameter_transfer_copies_every_tensor_exactly(source: ckpt.LoadedModel, source_dir: Path,
                                                        shakespeare_small: dict[str, Path]) -> None:
    events, start, trained = run_with_start_state(target_config(shakespeare_small, source_dir, "parameter"))
    assert start.config == source.model.config, "the target must take the source's architecture"
    want, got = source.model.state_dict(), start.state_dict()
    assert want.keys() == got.keys()
    for key in want:
        assert torch.equal(want[key], got[key]), key
    assert events[0].trainable_parameters == events[0].parameters
    for group in trained.layer_names():
        assert not same(group_state(trained, group), group_state(source.model, group)), f"{group} did not train"


def test_feature_transfer_trains_only_the_output_layer(source: ckpt.LoadedModel, source_dir: Path,
                                                       shakespeare_small: dict[str, Path]) -> None:
    events, start, trained = run_with_start_state(target_config(shakespeare_small, source_dir, "feature"))
    assert not trained.config.tie_weights, "feature transfer unties the output layer so it can train alone"
    ids = torch.randint(0, source.tokenizer.vocab_size, (2, 12))
    torch.testing.assert_close(start(ids)[0], source.model(ids)[0], rtol=1e-5, atol=1e-5,
                               msg="the untied output layer must compute the source's logits")
    for group in ("embedding", "rnn.0", "rnn.1"):
        assert same(group_state(trained, group), group_state(source.model, group)), f"{group} moved"
    assert not same(group_state(trained, "output"), group_state(source.model, "output"))
    assert not torch.equal(trained.decoder.weight, source.model.embedding.weight)
    output = sum(p.numel() for p in trained.layer_parameters("output"))
    assert events[0].trainable_parameters == output < events[0].parameters


def test_partial_transfer_copies_and_freezes_the_chosen_layers(source: ckpt.LoadedModel, source_dir: Path,
                                                               shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "partial", transfer_layers=["embedding", "rnn.0"],
                           freeze=["embedding"])
    _, start, trained = run_with_start_state(config)
    for group in ("embedding", "rnn.0"):
        assert same(group_state(start, group), group_state(source.model, group)), f"{group} not copied"
    for group in ("rnn.1", "output"):
        assert not same(group_state(start, group), group_state(source.model, group)), f"{group} was copied"
    assert same(group_state(trained, "embedding"), group_state(source.model, "embedding")), "frozen layer moved"
    for group in ("rnn.0", "rnn.1", "output"):
        assert not same(group_state(trained, group), group_state(start, group)), f"{group} did not train"


def test_ulmfit_setup_discriminative_lrs_and_unfreezing(source: ckpt.LoadedModel, source_dir: Path,
                                                        shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "ulmfit", unfreeze_every=5, schedule="cosine")
    setup = build_target(config, source.tokenizer, source, steps_per_epoch=100)
    assert config.schedule == "slanted" and any("slanted" in m for m in setup.messages)
    names = setup.model.layer_names()
    assert names == ["embedding", "rnn.0", "rnn.1", "output"]
    optimizer = build_optimizer(setup.groups, "adamw", 0.01, 0.0)
    expected = [0.01 / FACTOR ** 3, 0.01 / FACTOR ** 2, 0.01 / FACTOR, 0.01]
    assert [g["initial_lr"] for g in optimizer.param_groups] == pytest.approx(expected)
    for group, name in zip(optimizer.param_groups, names):
        assert [id(p) for p in group["params"]] == [id(p) for p in setup.model.layer_parameters(name)]

    def trainable() -> list[str]:
        return [n for n in names if all(p.requires_grad for p in setup.model.layer_parameters(n))]

    schedule = {0: ["output"], 4: ["output"], 5: ["rnn.1", "output"], 10: ["rnn.0", "rnn.1", "output"],
                15: names, 100: names}
    for step, groups in schedule.items():
        setup.before_step(step)
        assert trainable() == groups, step
        frozen = [n for n in names if n not in groups]
        assert not any(p.requires_grad for n in frozen for p in setup.model.layer_parameters(n))


def test_ulmfit_without_a_step_count_unfreezes_one_group_per_epoch(source: ckpt.LoadedModel, source_dir: Path,
                                                                   shakespeare_small: dict[str, Path]) -> None:
    setup = build_target(target_config(shakespeare_small, source_dir, "ulmfit"), source.tokenizer, source,
                         steps_per_epoch=7)
    assert setup.steps_per_group == 7


def test_ulmfit_training_follows_the_schedule(source: ckpt.LoadedModel, source_dir: Path,
                                              shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "ulmfit", unfreeze_every=5, max_steps=10)
    events, start, trained = run_with_start_state(config)
    for group in ("embedding", "rnn.0"):  # unfrozen at steps 15 and 10: never trained in steps 0..9
        assert same(group_state(trained, group), group_state(source.model, group)), group
    for group in ("rnn.1", "output"):
        assert not same(group_state(trained, group), group_state(start, group)), group
    step = [e for e in events if isinstance(e, StepEvent)][-1]
    assert step.step == 10
    assert step.lr == pytest.approx(0.01 * LRSchedule("slanted").factor(9, 0.9))  # the top group's LR


def test_a_new_tokenizer_maps_the_vocabulary_and_reports_coverage(source: ckpt.LoadedModel, source_dir: Path,
                                                                  shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "parameter", tokenizer="new", tokenizer_kind="bpe",
                           max_steps=2)
    events, start, _ = run_with_start_state(config)
    assert any("vocabulary mapped" in e.message for e in events if isinstance(e, LogEvent))
    target = Tokenizer.load(Path(events[-1].run_dir) / "checkpoints" / "last" / ckpt.TOKENIZER)
    assert target.fingerprint() != source.tokenizer.fingerprint()
    assert start.config.vocab_size == target.vocab_size != source.model.config.vocab_size
    index = {piece: i for i, piece in enumerate(source.tokenizer.pieces())}
    shared = [(t, index[p]) for t, p in enumerate(target.pieces()) if p in index]
    assert len(shared) > 100
    for t, s in shared:
        assert torch.equal(start.embedding.weight[t], source.model.embedding.weight[s])
    for group in ("rnn.0", "rnn.1"):
        assert same(group_state(start, group), group_state(source.model, group)), group


def test_structure_copies_the_architecture_but_not_the_weights(source: ckpt.LoadedModel, source_dir: Path,
                                                               shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "structure")
    setup = build_target(config, source.tokenizer, source)
    assert setup.model.config == source.model.config
    for group in setup.model.layer_names():
        assert not same(group_state(setup.model, group), group_state(source.model, group)), group
    assert all(p.requires_grad for p in setup.model.parameters())


def test_incompatible_shapes_are_refused_naming_the_tensor(source: ckpt.LoadedModel) -> None:
    other = RNNLM(dataclasses.replace(source.model.config, hidden_size=48))
    with pytest.raises(TransferError, match=r"rnn\.0\.weight_ih_l0.*\(128, 16\).*\(192, 16\)"):
        copy_tensors(source.model, other, other.layer_names())
    deeper = RNNLM(dataclasses.replace(source.model.config, layers=3))
    with pytest.raises(TransferError, match=r"rnn\.2\.weight_ih_l0.*no such tensor"):
        copy_tensors(source.model, deeper, deeper.layer_names())
    gru = RNNLM(dataclasses.replace(source.model.config, cell="gru"))
    with pytest.raises(TransferError, match=r"rnn\.0\.weight_ih_l0"):
        copy_tensors(source.model, gru, ["rnn.0"])
    assert copy_tensors(source.model, gru, ["embedding"]) == ["embedding.weight"]


def test_unknown_layer_is_refused_before_a_run_exists(source_dir: Path, shakespeare_small: dict[str, Path],
                                                      studio_home: Path) -> None:
    config = target_config(shakespeare_small, source_dir, "partial", transfer_layers=["rnn.5"])
    events = list(train(config))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert "rnn.5" in events[0].message and "embedding, rnn.0, rnn.1, output" in events[0].message
    assert RunStore().list() == []


def test_baseline_trains_both_runs_and_links_them(source_dir: Path, shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "parameter", baseline=True, eval_every=5)
    events = list(train_with_baseline(config))
    starts = [e for e in events if isinstance(e, StartEvent)]
    dones = [e for e in events if isinstance(e, DoneEvent)]
    assert len(starts) == 2 and len(dones) == 2
    starts.reverse()  # the baseline trains first (so the transfer run can be warned while it trains)
    done = events[-1]
    assert done is dones[-1] and done.run_id == starts[0].run_id
    assert done.baseline["run_id"] == starts[1].run_id
    assert isinstance(done.baseline["gain"], float) and done.baseline["message"]
    assert done.baseline["valid"] == dones[0].valid
    store = RunStore()
    transfer, scratch = store.get(starts[0].run_id), store.get(starts[1].run_id)
    assert transfer.baseline_id == scratch.id
    assert (transfer.transfer, scratch.transfer) == ("parameter", "scratch")
    assert transfer.tokenizer == scratch.tokenizer, "the baseline must use the same target tokenizer"
    assert starts[1].config["model"] == starts[0].config["model"], "the baseline must match the architecture"
    assert scratch.name == f"{transfer.name}-scratch-baseline"
    assert starts[1].config["lr"] == starts[0].config["lr"] == 1e-2  # a rate the user chose holds for both


def test_a_time_budgeted_baseline_with_the_default_evaluations_measures_a_gain(
        source_dir: Path, shakespeare_small: dict[str, Path]) -> None:
    """Under a time budget the two runs take different numbers of steps; with evaluations every 500 steps
    each had one point, at different tokens seen, and the job failed. The default schedule evaluates both
    at the same shares of the budget, so their curves overlap and the gain is read between points."""
    config = target_config(shakespeare_small, source_dir, "parameter", baseline=True, max_steps=None,
                           time_budget=1.5, eval_every=TrainConfig().eval_every)
    events = list(train_with_baseline(config))
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    done = events[-1]
    assert isinstance(done, DoneEvent) and isinstance(done.baseline["gain"], float), done.baseline["message"]
    assert done.baseline["message"].startswith(("transfer saved", "negative transfer"))
    assert RunStore().get(done.run_id).final["gain"]["gain"] == done.baseline["gain"]


def test_a_stop_during_the_transfer_run_stops_the_whole_job(source_dir: Path,
                                                           shakespeare_small: dict[str, Path]) -> None:
    control = TrainControl()
    events = []
    for event in train_with_baseline(target_config(shakespeare_small, source_dir, "parameter", baseline=True,
                                                   max_steps=100_000), control):
        events.append(event)
        if isinstance(event, StepEvent):
            control.stop()
    assert len([e for e in events if isinstance(e, StartEvent)]) == 1, "the baseline started after Stop"
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "stopped" and done.baseline is None
    assert [(r.id, r.status) for r in RunStore().list()] == [(done.run_id, "stopped")]


def test_fine_tuning_gets_a_lower_default_rate_and_its_scratch_baseline_its_own() -> None:
    import dataclasses

    from rnnlm_studio.core.baseline import baseline_config
    from rnnlm_studio.core.config import FINE_TUNE_LR, SCRATCH_LR, TrainConfig

    tuned = TrainConfig(train=["x"], source="m", transfer="parameter")
    assert tuned.peak_lr == FINE_TUNE_LR < SCRATCH_LR
    assert baseline_config(tuned).peak_lr == SCRATCH_LR
    chosen = dataclasses.replace(tuned, lr=0.004)
    assert chosen.peak_lr == 0.004 and baseline_config(chosen).peak_lr == 0.004  # a chosen rate is the user's


def test_fine_tuning_is_evaluated_before_its_first_step_and_keeps_the_source_when_nothing_beats_it(
        source_dir: Path, shakespeare_small: dict[str, Path]) -> None:
    """A curve from the source's own figure, and a best checkpoint never worse on validation than the
    untouched source: here a learning rate that wrecks the weights, so the source stays the best."""
    config = target_config(shakespeare_small, source_dir, "parameter", lr=5.0, max_steps=10, eval_every=None)
    events = list(train(config))
    evals = [e for e in events if isinstance(e, EvalEvent) and e.split == "valid" and not e.extra.get("final")]
    final = next(e for e in events if isinstance(e, EvalEvent) and e.split == "valid" and e.extra.get("final"))
    assert (evals[0].step, evals[0].tokens_seen) == (0, 0)
    assert min(e.bpb for e in evals[1:]) > evals[0].bpb, "the wrecking rate did not wreck: the test proves nothing"
    assert final.bpb == pytest.approx(evals[0].bpb, rel=1e-4)
    scratch = list(train(dataclasses.replace(config, transfer="scratch", source=None, lr=1e-2)))
    assert min(e.step for e in scratch if isinstance(e, EvalEvent)) > 0
