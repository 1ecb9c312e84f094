"""The one training loop: a language-model run (core/trainer.py) and a task run (core/classify.py)
are its two cases.

A run is a generator of typed events that knows nothing of threads or widgets. `RunLoop` owns
what every run does the same way, in one order: pause and stop requests checked between steps,
the step window and its event, divergence, periodic evaluation with "is it better", early
stopping, checkpoints, the run store row and the final evaluation. A case supplies only what
differs, as hooks: its batches, the loss of one batch, how a split is evaluated and reported,
what "better" means, and how a checkpoint is written and read back.

Store updates happen before the event that announces them, because whoever receives the event
(the GUI, a test) may read the store at once.
"""
from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import torch

from . import checkpoint as ckpt
from . import runlock
from .averaging import WeightAverage
from .config import TrainConfig
from .distributed import DistContext
from .errors import StudioError, spell
from .events import (AverageEvent, CheckpointEvent, DoneEvent, ErrorEvent, EvalEvent, Event, LogEvent, PauseEvent,
                     StartEvent, StepEvent)
from .runs import PROGRESS_EVERY_S, append_event
from .schedule import LRSchedule

LOG_EVERY = 10  # steps per StepEvent: one event per step would cost more than the step on small models
FIRST_EVAL = 1 / 32  # the automatic schedule's first evaluation, as a share of the budget
LATE_EVAL_SPACING = 1 / 4  # past this share the schedule evaluates every such share of the budget
AUTO_EVAL_EVERY = 500  # ... and at least every this many steps, so a long run keeps its curve
EVAL_SHARE = 0.1  # under a time budget, periodic evaluations and checkpoints wait while they have cost more than this share


class TrainControl:
    """Pause/stop requests from another thread, checked by the loop between steps."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self) -> None:
        self._running.wait()


def apply_gradients(optimizer: torch.optim.Optimizer, loss: torch.Tensor, clip: float) -> torch.Tensor:
    """Backpropagate `loss`, clip the gradient norm (0 = off) and step; returns the norm before
    clipping, for the step events."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    params = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    norm = torch.nn.utils.clip_grad_norm_(params, clip) if clip > 0 else torch.zeros((), device=loss.device)
    optimizer.step()
    return norm


def set_threads(config: TrainConfig, dist_ctx: DistContext | None = None) -> None:
    """`--threads 0` means all cores, shared out among the processes torchrun started on this machine."""
    local_procs = dist_ctx.local_world_size if dist_ctx else 1
    torch.set_num_threads(config.threads or max(1, (os.cpu_count() or 1) // local_procs))


def total_steps(config: TrainConfig, steps_per_epoch: int) -> int | None:
    """The step budget: whichever of --steps and --epochs is smaller; None when only time limits it."""
    limits = [config.max_steps] if config.max_steps else []
    if config.epochs:
        limits.append(max(1, round(config.epochs * steps_per_epoch)))
    return min(limits) if limits else None


def next_eval_at(progress: float) -> float:
    """The automatic evaluation schedule: the first share of the budget past `progress` at which a run
    with no fixed `eval_every` evaluates (and the end, 1.0, where every run evaluates).

    Early and often, at 1/32, 1/16, 1/8, 1/4, 1/2 and 3/4 of the budget, whatever its kind (steps,
    epochs or time): a short run still gets a curve, and a transfer run and its matched baseline are
    evaluated at the same shares of the same budget, so their curves overlap in tokens seen and the
    gain (core/compare.py) can be read between their points. A fixed 500-step interval gave a short
    run one point, at its last step, and a time-budgeted pair two points that never overlapped.
    """
    milestone = FIRST_EVAL
    while milestone <= progress:
        milestone = milestone * 2 if milestone < LATE_EVAL_SPACING else milestone + LATE_EVAL_SPACING
    return min(milestone, 1.0)


def warm_up() -> None:
    """Import what a run's first steps import lazily, before the user presses Start (the window
    calls it on a background thread at start-up).

    Building the first optimizer imports `torch._dynamo` (seconds of imports that hold the GIL in
    long stretches); done when the user presses Start, it froze the window for up to half a second.
    """
    import torch._dynamo  # noqa: F401


class RunLoop:
    """One run's state and the loop that drives it; `events()` runs it to the end.

    A subclass sets, in its `__init__`, the attributes annotated below and calls `_init_progress`;
    it implements the hooks in the "hooks" section. `dist` is a plain `DistContext()` for a run in
    one process, so the agreement calls below cost nothing there.
    """

    config: TrainConfig
    run_dir: Path
    run_id: str
    store: Any  # a RunStore, or torchrun's silent stand-in on the other ranks
    data: Any  # has .warnings and .test (None when the run has no test set)
    dist: DistContext
    device: torch.device
    precision: str
    model: torch.nn.Module
    setup: Any  # has before_step(step): gradual unfreezing
    optimizer: torch.optim.Optimizer
    schedule: LRSchedule
    steps_per_epoch: int
    eval_every: int | None  # None: the automatic schedule (`next_eval_at`)
    total_steps: int | None
    resumable = True  # saves "last" at the start and at every evaluation, so a crash loses little
    auto_eval_every = AUTO_EVAL_EVERY  # the automatic schedule's longest interval, in steps
    # Evaluate before the first step: a run that starts from a source's whole language model has a curve
    # from the source's own figure, and its best checkpoint can be the untouched source (fine-tuning a
    # source on text it already reads well made it worse, and no evaluated point was better).
    evaluates_first = False

    def _init_progress(self) -> None:
        self.step = self.epoch = self.batch_in_epoch = self.tokens_seen = 0
        self.elapsed = self.train_seconds = 0.0
        self._stored_elapsed = 0.0
        self.best_key: Any = None
        self.best_valid: dict[str, float] = {}
        self.evals_since_best = 0
        self.resumed_from = 0
        self.average: WeightAverage | None = None  # from --average-from of the budget on

    # --- hooks -------------------------------------------------------------------------------
    def epoch_batches(self) -> Iterable[Any]:
        """The rest of the current epoch's batches (from `batch_in_epoch`)."""
        raise NotImplementedError

    def loss_of(self, batch: Any) -> tuple[torch.Tensor, int]:
        """The loss of one batch on the model in training mode, and the tokens it read (all ranks)."""
        raise NotImplementedError

    def measure(self, split: str, final: bool) -> dict[str, float]:
        """Metrics of "valid" or "test"; a periodic (not final) evaluation may read only part of it."""
        raise NotImplementedError

    def score(self, metrics: dict[str, float]) -> Any:
        """What "better" means: a larger score is a better checkpoint."""
        raise NotImplementedError

    def eval_event(self, split: str, metrics: dict[str, float], is_best: bool = False,
                   final: bool = False) -> EvalEvent:
        raise NotImplementedError

    def save(self, tag: str, metrics: dict | None = None) -> CheckpointEvent:
        """Write checkpoint `tag` ("best" or "last"); "last" carries what a resume needs."""
        raise NotImplementedError

    def load_best(self) -> None:
        """Put the best checkpoint's weights in the model, for the final evaluation."""
        raise NotImplementedError

    def notes(self) -> list[LogEvent]:
        """What the user should read before training starts (data warnings, transfer messages)."""
        raise NotImplementedError

    def train_tokens(self) -> int:
        raise NotImplementedError

    def divergence_advice(self) -> str:
        raise NotImplementedError

    def done_metrics(self, metrics: dict) -> dict:
        return metrics

    def word_unit(self) -> str:
        """What the run's `word_ppl` is per (core/words.py): "character" for mostly Chinese text."""
        return "word"

    # --- budget ------------------------------------------------------------------------------
    def progress(self) -> float:
        """How far the run is through its budget: whichever of steps and seconds runs out first."""
        parts = [0.0]
        if self.total_steps:
            parts.append(self.step / self.total_steps)
        if self.config.time_budget:
            parts.append(self.elapsed / self.config.time_budget)
        return min(1.0, max(parts))

    def finished(self) -> bool:
        return self.progress() >= 1.0

    def _finished_everywhere(self) -> bool:
        """`finished()` as all ranks agree on it: their clocks differ, so under a time budget one
        could otherwise stop a step before the others and leave them waiting in a collective."""
        if not self.config.time_budget:
            return self.finished()
        return self.dist.any_true(self.finished(), self.device)

    # --- the loop ----------------------------------------------------------------------------
    def events(self, control: TrainControl) -> Iterator[Event]:
        yield self.start_event()
        yield from self.notes()
        if self.step == 0 and self.evaluates_first:
            if not (yield from self._periodic_eval()):
                return
        elif self.resumable and self.step == 0:
            yield self._timed(lambda: self.save("last"))
        yield from self._train(control)

    def start_event(self) -> StartEvent:
        return StartEvent(run_id=self.run_id, run_dir=str(self.run_dir), config=self.config.to_dict(),
                          parameters=self.model.num_parameters(),
                          trainable_parameters=self.model.num_parameters(trainable_only=True),
                          train_tokens=self.train_tokens(), steps_per_epoch=self.steps_per_epoch,
                          total_steps=self.total_steps, device=str(self.device), precision=self.precision,
                          resumed_from_step=self.resumed_from)

    def _train(self, control: TrainControl) -> Iterator[Event]:
        window_loss = torch.zeros((), device=self.device)
        window_norm = torch.zeros((), device=self.device)
        window_steps, window_tokens, window_time = 0, 0, 0.0
        reason = "budget"
        self._next_eval = next_eval_at(self.progress())  # a resumed run goes on where its schedule was
        while not self._finished_everywhere():
            for batch in self.epoch_batches():
                if control.paused:
                    yield from self._pause(control)
                if self.dist.any_true(control.stopped, self.device):
                    reason = "stopped"
                    break
                started = time.perf_counter()
                loss, norm, tokens = self._step(batch)
                if self._fold_average():
                    yield AverageEvent(step=self.step, tokens_seen=self.tokens_seen, elapsed=self.elapsed,
                                       share=self.progress())
                window_loss += loss
                window_norm += norm
                took = time.perf_counter() - started
                window_steps += 1
                window_tokens += tokens
                window_time += took
                self.elapsed += took
                self.train_seconds += took
                finished = self._finished_everywhere()
                if window_steps == LOG_EVERY or finished:
                    event = self._step_event(window_loss / window_steps, window_norm / window_steps,
                                             window_tokens / max(window_time, 1e-9))
                    if not math.isfinite(event.loss):
                        yield self._diverged(event.loss)
                        return
                    self._store_progress()
                    yield event
                    window_loss.zero_(), window_norm.zero_()
                    window_steps, window_tokens, window_time = 0, 0, 0.0
                if finished or self._eval_due():
                    if not (yield from self._periodic_eval()):
                        return
                    self._next_eval = next_eval_at(self.progress())  # after it: its own time is no milestone
                    if self.config.patience > 0 and self.evals_since_best >= self.config.patience:
                        reason = "early-stopped"
                        break
                if finished:
                    break
            else:
                self.epoch += 1
                self.batch_in_epoch = 0
                continue
            break
        yield from self._finish(reason)

    def _eval_due(self) -> bool:
        """A fixed interval the user chose, or the automatic schedule (`next_eval_at`); under a time
        budget the ranks' clocks differ, so they agree on it as on `finished`.

        A time budget also pays for the evaluations, so a due one waits while evaluating and
        checkpointing have taken more than `EVAL_SHARE` of the time so far: on a slow or busy machine
        a 2-minute run spent most of its budget evaluating and little training."""
        if self.eval_every:
            return self.step % self.eval_every == 0
        due = self.step % self.auto_eval_every == 0 or self.progress() >= self._next_eval
        if self.config.time_budget:
            due = due and self.elapsed - self.train_seconds <= EVAL_SHARE * self.elapsed
            due = self.dist.any_true(due, self.device)
        return due

    def _step(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, int]:
        self.setup.before_step(self.step)
        self.schedule.apply(self.optimizer, self.step, self.progress())
        self.model.train()
        loss, tokens = self.loss_of(batch)
        norm = apply_gradients(self.optimizer, loss, self.config.clip)
        self.step += 1
        self.batch_in_epoch += 1
        self.tokens_seen += tokens
        return loss.detach(), norm.detach(), tokens

    def _fold_average(self) -> bool:
        """Fold this step's weights into the mean once the run is `average_from` through its budget;
        True at the step where averaging begins. Under a time budget the ranks agree on that step, as
        on `finished`, or their means would differ."""
        if self.config.average_from is None:
            return False
        if self.average is None:
            due = self.progress() >= self.config.average_from
            if self.config.time_budget:
                due = self.dist.any_true(due, self.device)
            if not due:
                return False
            self.average = WeightAverage(self.model)
        self.average.update(self.model)
        return self.average.count == 1

    def _averaged(self) -> contextlib.AbstractContextManager:
        """The mean in the model while a block evaluates or checkpoints, once averaging has begun."""
        return self.average.applied(self.model) if self.average else contextlib.nullcontext()

    def _step_event(self, loss: torch.Tensor, norm: torch.Tensor, tokens_per_s: float) -> StepEvent:
        """The loss is the mean over all ranks' rows (they hold equal token counts); DDP has already
        made the gradient norm the same on every rank."""
        progress = self.progress()
        eta = self.elapsed * (1 - progress) / progress if progress > 0 else None
        mean_loss = self.dist.all_reduce_sum([float(loss)], self.device)[0] / self.dist.world_size
        return StepEvent(step=self.step, epoch=self.epoch, tokens_seen=self.tokens_seen, loss=mean_loss,
                         lr=self.optimizer.param_groups[-1]["lr"], grad_norm=float(norm),
                         tokens_per_s=tokens_per_s, elapsed=self.elapsed, progress=progress, eta=eta)

    def _store_progress(self) -> None:
        """Evaluations may be many minutes apart; a run watched from another process (the window, `runs`)
        should not show its duration as it was at the last one."""
        if self.elapsed - self._stored_elapsed >= PROGRESS_EVERY_S:
            self._stored_elapsed = self.elapsed
            self.store.update(self.run_id, step=self.step, tokens_seen=self.tokens_seen, elapsed=self.elapsed)

    def _pause(self, control: TrainControl) -> Iterator[Event]:
        self.store.update(self.run_id, status="paused")
        yield PauseEvent(step=self.step, paused=True)
        control.wait_while_paused()
        self.store.update(self.run_id, status="running")
        yield PauseEvent(step=self.step, paused=False)

    def _timed(self, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = fn()
        self.elapsed += time.perf_counter() - started
        return result

    def _periodic_eval(self) -> Generator[Event, None, bool]:
        """Evaluate and checkpoint (the mean of the weights, once averaging has begun); False (after an
        error event) when the weights diverged, so that a broken model never overwrites a good checkpoint."""
        with self._averaged():
            metrics = self._timed(lambda: self.measure("valid", final=False))
            if not math.isfinite(metrics["loss"]):
                yield self._diverged(metrics["loss"])
                return False
            score = self.score(metrics)
            improved = self.best_key is None or score > self.best_key
            self.schedule.on_eval(improved)
            yield self.eval_event("valid", metrics, is_best=improved)
            if improved:
                self.best_key = score
                self.best_valid = dict(metrics, step=self.step, tokens_seen=self.tokens_seen)
                self.evals_since_best = 0
                yield self._timed(lambda: self.save("best", metrics))
            else:
                self.evals_since_best += 1
            self.store.update(self.run_id, status="running", best=self.best_valid, step=self.step,
                              tokens_seen=self.tokens_seen, elapsed=self.elapsed)
            if self.resumable:
                yield self._timed(lambda: self.save("last", metrics))
        return True

    def _diverged(self, loss: float) -> ErrorEvent:
        kept = self.run_dir / "checkpoints" / "last" if self.resumable else ckpt.run_checkpoint(self.run_dir)
        self.store.update(self.run_id, status="failed")
        return ErrorEvent(message=spell(f"training diverged at step {self.step}: the loss became {loss}. "
                                        f"{self.divergence_advice()}"),
                          step=self.step, run_dir=str(self.run_dir), checkpoint=str(kept) if kept else None)

    def _finish(self, reason: str) -> Iterator[Event]:
        if reason == "stopped" and self.step == 0:  # every rank alike: no collective is left waiting
            yield LogEvent(level="info", message="stopped before the first training step: nothing was kept")
            if self.dist.is_main:
                self.store.delete(self.run_id)  # nothing trained, nothing worth keeping
            return
        if reason == "stopped":
            with self._averaged():
                yield self._timed(lambda: self.save("last"))
            self.store.update(self.run_id, status="stopped", step=self.step, tokens_seen=self.tokens_seen,
                              elapsed=self.elapsed)
            yield self._done(reason, dict(self.best_valid), {}, 0.0)
            return
        started = time.perf_counter()
        self.load_best()
        valid = self.measure("valid", final=True)
        yield self.eval_event("valid", valid, final=True)
        test: dict[str, float] = {}
        if self.data.test is not None:
            test = self.measure("test", final=True)
            yield self.eval_event("test", test, final=True)
        self.store.update(self.run_id, status="done", final={"valid": valid, "test": test})
        yield self._done(reason, valid, test, time.perf_counter() - started)

    def _done(self, reason: str, valid: dict, test: dict, eval_seconds: float) -> DoneEvent:
        return DoneEvent(run_id=self.run_id, run_dir=str(self.run_dir), step=self.step,
                         tokens_seen=self.tokens_seen, elapsed=self.elapsed,
                         tokens_per_s=self.tokens_seen / max(self.train_seconds, 1e-9), reason=reason,
                         valid=self.done_metrics(valid), test=self.done_metrics(test),
                         best_checkpoint=str(ckpt.run_checkpoint(self.run_dir) or ""), eval_seconds=eval_seconds,
                         word_unit=self.word_unit())


def built_or_forgotten(build: Callable[[], RunLoop], store: Any, run_id: str, dist_ctx: DistContext) -> RunLoop:
    """Build a registered run; if that fails, forget the run (its row, folder and lock) before the
    error goes on: a run that never trained leaves nothing behind."""
    try:
        return build()
    except BaseException:
        if dist_ctx.is_main:
            store.delete(run_id)
        raise


def drive(open_run: Callable[[], RunLoop], store: Any, control: TrainControl, *, record: bool = True,
          disk_fix: str = "resume the run; the previous checkpoint is intact") -> Iterator[Event]:
    """Open a run and iterate it, turning failures into one ErrorEvent; shared by every kind of run.

    Without `record` (torchrun's other ranks) the events are yielded but not appended to
    `metrics.jsonl`. `disk_fix` ends the message of a failed write: what to do once there is space.
    Every failure to write (the OS, safetensors or SQLite) ends the run as failed, and the run's lock
    (core/runlock.py, taken when the run was registered or found for a resume) is released however
    the run ends.
    """
    try:
        run = open_run()
    except StudioError as exc:
        yield ErrorEvent(message=str(exc))
        return
    try:
        store.update(run.run_id, status="running")
        for event in run.events(control):
            if record:
                append_event(run.run_dir, event.to_dict())
            yield event
    except (StudioError, *ckpt.WRITE_ERRORS) as exc:
        message = str(exc) if isinstance(exc, StudioError) else ckpt.write_failure(exc, run.run_dir, disk_fix)
        event = ErrorEvent(message=message, step=run.step, run_dir=str(run.run_dir))
        with contextlib.suppress(StudioError, *ckpt.WRITE_ERRORS):  # the store may be what failed
            store.update(run.run_id, status="failed")
        with contextlib.suppress(*ckpt.WRITE_ERRORS):
            if record:
                append_event(run.run_dir, event.to_dict())
        yield event
    finally:
        runlock.release(run.run_dir)
