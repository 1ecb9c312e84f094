"""The training loop: event order, honest metrics, determinism, pause/stop/resume, divergence."""
from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.events import (CheckpointEvent, DoneEvent, ErrorEvent, EvalEvent, Event, PauseEvent,
                                      StartEvent, StepEvent)
from rnnlm_studio.core import run_loop
from rnnlm_studio.core.run_loop import EVAL_SHARE, RunLoop, next_eval_at
from rnnlm_studio.core.runs import RunStore, read_events
from rnnlm_studio.core.stream import encode_source
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.trainer import TrainControl, TrainingRun, train

METRIC_KEYS = {"loss", "ppl", "word_ppl", "bpb"}


def tiny_config(data: dict[str, Path], **changes) -> TrainConfig:
    """A model that trains a step in milliseconds; fp32 and one thread so runs are reproducible."""
    config = TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), test=str(data["test"]),
                         model=ModelConfig(vocab_size=300, emb_size=32, hidden_size=64),
                         batch_size=16, bptt=16, lr=3e-2, warmup_steps=5, max_steps=120, eval_every=40,
                         precision="fp32", threads=1)
    return dataclasses.replace(config, **changes)


def unigram_loss(tokenizer: Tokenizer, train_path: Path, valid_path: Path, cache: Path) -> float:
    """Mean NLL per token of the validation text under add-one-smoothed training-token frequencies."""
    train_ids = encode_source(tokenizer, Corpus.open([train_path]), cache).ids
    valid_ids = encode_source(tokenizer, Corpus.open([valid_path]), cache).ids
    counts = np.bincount(np.asarray(train_ids), minlength=tokenizer.vocab_size) + 1.0
    log_p = np.log(counts / counts.sum())
    return float(-log_p[np.asarray(valid_ids[1:])].mean())


def of(events: list[Event], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One data folder for the runs this module trains once and inspects many times."""
    path = tmp_path_factory.mktemp("trainer-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(path))
        yield path


@pytest.fixture(scope="module")
def tiny_run(home: Path, shakespeare_small: dict[str, Path]) -> list[Event]:
    return list(train(tiny_config(shakespeare_small)))


# ---------------------------------------------------------------- one run, inspected


def test_events_come_in_order(tiny_run: list[Event]) -> None:
    kinds = " ".join(e.kind for e in tiny_run)
    assert re.fullmatch(r"start( log)* checkpoint( step| eval| checkpoint)+ eval eval done", kinds), kinds
    assert tiny_run[0].total_steps == 120 and tiny_run[0].resumed_from_step == 0
    assert [e.step for e in of(tiny_run, StepEvent)] == list(range(10, 121, 10))
    periodic = [e for e in of(tiny_run, EvalEvent) if not e.extra.get("final")]
    assert [e.step for e in periodic] == [40, 80, 120]
    for i, event in enumerate(tiny_run):
        if event in periodic:  # an evaluation is followed by its checkpoints: best when improved, then last
            tags = [c.tag for c in tiny_run[i + 1:i + 3] if isinstance(c, CheckpointEvent)]
            assert tags == (["best", "last"] if event.is_best else ["last"])
    final = [e for e in of(tiny_run, EvalEvent) if e.extra.get("final")]
    assert [e.split for e in final] == ["valid", "test"]


def test_steps_report_falling_loss_and_progress(tiny_run: list[Event]) -> None:
    steps = of(tiny_run, StepEvent)
    assert steps[-1].loss < steps[0].loss
    assert [s.tokens_seen for s in steps] == [s.step * 16 * 16 for s in steps]
    assert [s.progress for s in steps] == pytest.approx([s.step / 120 for s in steps])
    assert steps[-1].eta == 0 and all(s.tokens_per_s > 0 and s.lr > 0 for s in steps)


def test_done_carries_the_contract(tiny_run: list[Event]) -> None:
    done = tiny_run[-1]
    assert isinstance(done, DoneEvent) and done.reason == "budget"
    assert set(done.valid) == METRIC_KEYS and set(done.test) == METRIC_KEYS
    assert all(math.isfinite(v) and v > 0 for v in [*done.valid.values(), *done.test.values()])
    assert done.valid["ppl"] == pytest.approx(math.exp(done.valid["loss"]))
    assert done.tokens_per_s > 0 and done.step == 120 and done.tokens_seen == 120 * 16 * 16
    assert Path(done.run_dir) == Path(tiny_run[0].run_dir) and Path(done.run_dir).is_dir()
    assert Path(done.best_checkpoint) == Path(done.run_dir) / "checkpoints" / "best"
    ckpt.load_model_folder(Path(done.best_checkpoint))


def test_metrics_file_and_run_store_record_the_run(tiny_run: list[Event], home: Path) -> None:
    done = tiny_run[-1]
    assert read_events(Path(done.run_dir)) == [json.loads(e.to_json()) for e in tiny_run]
    record = RunStore(home).get(done.run_id)
    assert record.status == "done" and record.final["valid"] == done.valid
    assert (Path(done.run_dir) / "run.toml").is_file()
    assert TrainConfig.load(Path(done.run_dir) / "run.toml").max_steps == 120


def test_final_valid_loss_beats_the_unigram_baseline(tiny_run: list[Event], home: Path,
                                                     shakespeare_small: dict[str, Path], tmp_path: Path) -> None:
    done = tiny_run[-1]
    tokenizer = Tokenizer.load(Path(done.best_checkpoint) / ckpt.TOKENIZER)
    baseline = unigram_loss(tokenizer, shakespeare_small["train"], shakespeare_small["valid"], tmp_path)
    assert done.valid["loss"] < baseline - 0.3, (done.valid["loss"], baseline)


def test_periodic_eval_of_the_whole_text_equals_the_final_eval(tiny_run: list[Event]) -> None:
    best = [e for e in of(tiny_run, EvalEvent) if e.is_best][-1]
    final = next(e for e in of(tiny_run, EvalEvent) if e.extra.get("final") and e.split == "valid")
    assert (best.loss, best.word_ppl, best.bpb) == (final.loss, final.word_ppl, final.bpb)


def test_time_budget_run_reports_the_same_best_loss_twice(shakespeare_small: dict[str, Path]) -> None:
    """A run cut by its time budget evaluates its last weights, then re-evaluates them as the best."""
    events = list(train(tiny_config(shakespeare_small, max_steps=None, time_budget=1.0, eval_every=10_000,
                                    precision="auto")))
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "budget", events[-1]
    periodic = [e for e in of(events, EvalEvent) if not e.extra.get("final")]
    assert len(periodic) == 1 and periodic[0].is_best and periodic[0].step == done.step
    assert periodic[0].loss == done.valid["loss"]
    assert done.elapsed >= 1.0


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_losses(shakespeare_small: dict[str, Path]) -> None:
    config = tiny_config(shakespeare_small, max_steps=20, eval_every=1000)
    runs = [list(train(dataclasses.replace(config, seed=seed))) for seed in (7, 7, 8)]
    losses = [[s.loss for s in of(events, StepEvent)] for events in runs]
    assert losses[0] == losses[1]
    assert runs[0][-1].valid == runs[1][-1].valid
    assert losses[0] != losses[2]


# ---------------------------------------------------------------- pause, stop, resume


def test_pause_and_resume_from_another_thread(shakespeare_small: dict[str, Path]) -> None:
    control = TrainControl()
    events: list[Event] = []
    reached, proceed = threading.Event(), threading.Event()

    def consume() -> None:
        for event in train(tiny_config(shakespeare_small, max_steps=30, eval_every=1000), control):
            events.append(event)
            if isinstance(event, StepEvent) and event.step == 10:
                reached.set()
                proceed.wait(30)

    worker = threading.Thread(target=consume)
    worker.start()
    assert reached.wait(60)
    control.pause()
    proceed.set()
    deadline = time.monotonic() + 30
    while not of(events, PauseEvent) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [(p.step, p.paused) for p in of(events, PauseEvent)] == [(10, True)]
    assert control.paused and worker.is_alive()
    assert RunStore().get(events[0].run_id).status == "paused"
    time.sleep(0.3)
    assert [s.step for s in of(events, StepEvent)] == [10], "training went on while paused"
    control.resume()
    worker.join(60)
    assert not worker.is_alive()
    assert [(p.step, p.paused) for p in of(events, PauseEvent)] == [(10, True), (10, False)]
    assert [s.step for s in of(events, StepEvent)] == [10, 20, 30]
    assert isinstance(events[-1], DoneEvent) and events[-1].reason == "budget"


def run_until(config: TrainConfig, stop_at: int, **kwargs) -> list[Event]:
    """Train, asking to stop once the step event of `stop_at` has been seen."""
    control = TrainControl()
    events = []
    for event in train(config, control, **kwargs):
        events.append(event)
        if isinstance(event, StepEvent) and event.step == stop_at:
            control.stop()
    return events


@pytest.fixture(scope="module")
def interrupted(home: Path, shakespeare_small: dict[str, Path]) -> dict:
    """An uninterrupted run, and the same run stopped at step 20 then resumed, with snapshots."""
    config = tiny_config(shakespeare_small, max_steps=40, eval_every=20)
    straight = list(train(dataclasses.replace(config)))
    first = run_until(dataclasses.replace(config), stop_at=20)
    run_dir = Path(first[0].run_dir)
    last = run_dir / "checkpoints" / "last"
    stopped = {"meta": ckpt.load_training_state_meta(last), "status": RunStore(home).get(first[0].run_id).status,
               "loads": ckpt.load_model_folder(last).model.num_parameters() > 0}
    resumed = list(train(config, resume=first[0].run_id, overrides={"max_steps": 40}))
    return {"straight": straight, "first": first, "stopped": stopped, "resumed": resumed, "run_dir": run_dir}


def test_stop_leaves_a_resumable_checkpoint(interrupted: dict) -> None:
    done = interrupted["first"][-1]
    assert isinstance(done, DoneEvent) and done.reason == "stopped" and done.step == 20
    assert interrupted["stopped"]["meta"]["step"] == 20 and interrupted["stopped"]["meta"]["batch_in_epoch"] == 20
    assert interrupted["stopped"]["status"] == "stopped" and interrupted["stopped"]["loads"]
    assert not [s for s in of(interrupted["first"], StepEvent) if s.step > 20]


def test_resume_reproduces_the_uninterrupted_run(interrupted: dict) -> None:
    straight, resumed = interrupted["straight"], interrupted["resumed"]
    assert isinstance(resumed[0], StartEvent) and resumed[0].resumed_from_step == 20
    assert resumed[0].run_id == interrupted["first"][0].run_id
    want = {s.step: (s.loss, s.lr) for s in of(straight, StepEvent) if s.step > 20}
    got = {s.step: (s.loss, s.lr) for s in of(resumed, StepEvent)}
    assert got == want
    assert resumed[-1].valid == straight[-1].valid and resumed[-1].test == straight[-1].test


def test_metrics_file_has_each_step_once_after_a_resume(interrupted: dict) -> None:
    events = read_events(interrupted["run_dir"])
    assert [e["step"] for e in events if e["event"] == "step"] == [10, 20, 30, 40]
    periodic = [e["step"] for e in events if e["event"] == "eval" and not e["extra"].get("final")]
    assert periodic == [20, 40]
    assert [e["reason"] for e in events if e["event"] == "done"] == ["budget"]
    assert [e["resumed_from_step"] for e in events if e["event"] == "start"] == [0, 20]


# ---------------------------------------------------------------- failure


@pytest.mark.parametrize("eval_every", [5, 1000])
def test_divergence_stops_with_advice_and_keeps_a_good_checkpoint(shakespeare_small: dict[str, Path],
                                                                  eval_every: int) -> None:
    config = tiny_config(shakespeare_small, optimizer="sgd", lr=1e6, clip=0.0, warmup_steps=0, max_steps=40,
                         eval_every=eval_every)
    events = list(train(config))
    error = events[-1]
    assert isinstance(error, ErrorEvent), [e.kind for e in events]
    assert "`lr`" in error.message and "diverged" in error.message and "--" not in error.message
    assert not of(events, DoneEvent)
    assert all(math.isfinite(e.loss) for e in of(events, EvalEvent)), "a diverged evaluation was reported"
    model = ckpt.load_model_folder(Path(error.checkpoint)).model
    assert all(torch.isfinite(p).all() for p in model.parameters()), "the kept checkpoint is not good"
    assert RunStore().get(events[0].run_id).status == "failed"


def test_default_evaluations_come_early_and_often_whatever_the_budget() -> None:
    assert [next_eval_at(p) for p in (0.0, 0.03125, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0)] == \
        [1 / 32, 1 / 16, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 1.0, 1.0]


def test_a_run_with_default_evaluations_has_a_curve_from_its_first_steps(shakespeare_small: dict[str, Path]) -> None:
    events = list(train(tiny_config(shakespeare_small, max_steps=30, eval_every=None)))
    steps = [e.step for e in of(events, EvalEvent) if e.split == "valid" and not e.extra.get("final")]
    assert steps == [1, 2, 4, 8, 15, 23, 30]


class FakeClock:
    """Training steps of 1 s and periodic evaluations of 20 s, whatever the machine does meanwhile."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_a_time_budget_is_not_spent_evaluating(shakespeare_small: dict[str, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """On a busy machine an evaluation took longer than the next shares of a short budget, and the run
    evaluated at steps 5, 6 and 7: the schedule's next point now counts from the end of an evaluation,
    and evaluations wait while they have cost more than EVAL_SHARE of the time so far."""
    clock = FakeClock()
    monkeypatch.setattr(run_loop, "time", clock)
    step, measure = RunLoop._step, TrainingRun.measure

    def slow_step(self, batch):  # noqa: ANN001, ANN202
        clock.now += 1.0
        return step(self, batch)

    def slow_measure(self, split, final):  # noqa: ANN001, ANN202
        clock.now += 0.0 if final else 20.0
        return measure(self, split, final)

    monkeypatch.setattr(RunLoop, "_step", slow_step)
    monkeypatch.setattr(TrainingRun, "measure", slow_measure)
    events = list(train(tiny_config(shakespeare_small, max_steps=None, time_budget=1000.0, eval_every=None)))
    steps = [e.step for e in of(events, EvalEvent) if e.split == "valid" and not e.extra.get("final")]
    done = of(events, DoneEvent)[0]
    assert all(b - a > 1 for a, b in zip(steps, steps[1:])), steps
    assert (len(steps) - 1) * 20.0 <= EVAL_SHARE * done.elapsed + 20.0, steps
    assert done.step >= 0.8 * 1000.0, "the budget went to evaluating, not training"


def test_an_explicit_eval_every_keeps_its_interval(shakespeare_small: dict[str, Path]) -> None:
    events = list(train(tiny_config(shakespeare_small, max_steps=30, eval_every=12)))
    assert [e.step for e in of(events, EvalEvent) if e.split == "valid" and not e.extra.get("final")] == [12, 24, 30]


def test_a_stop_before_the_first_step_keeps_nothing(shakespeare_small: dict[str, Path], studio_home: Path) -> None:
    control = TrainControl()
    control.stop()  # asked before the loop takes its first step
    events = list(train(tiny_config(shakespeare_small), control))
    assert not of(events, StepEvent) and not of(events, DoneEvent) and not of(events, ErrorEvent)
    assert "nothing was kept" in events[-1].message
    assert RunStore().list() == [] and not any((studio_home / "runs").iterdir())


def test_bad_settings_end_with_one_error_and_no_run(shakespeare_small: dict[str, Path], studio_home: Path) -> None:
    events = list(train(tiny_config(shakespeare_small, lr=-1.0)))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent) and "`lr`" in events[0].message
    assert RunStore().list() == [] and not any((studio_home / "runs").iterdir())


def test_the_store_hears_a_runs_progress_between_evaluations(shakespeare_small, monkeypatch) -> None:
    """Evaluations can be many minutes apart: a window or `runs` watching from another process reads the
    run's step and duration from the store, so they are written there as the run goes."""
    monkeypatch.setattr(run_loop, "PROGRESS_EVERY_S", 0.0)
    seen = []
    run_id = None
    for event in train(tiny_config(shakespeare_small, max_steps=40, eval_every=1000)):
        if isinstance(event, StartEvent):
            run_id = event.run_id
        if isinstance(event, StepEvent):
            record = RunStore().get(run_id)
            seen.append((record.step, record.elapsed > 0, event.step))
    assert seen and all(step == event_step and timed for step, timed, event_step in seen), seen
