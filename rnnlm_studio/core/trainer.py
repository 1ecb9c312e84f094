"""The training loop as a generator of typed events.

It knows nothing of threads or widgets: the CLI prints what it yields and the GUI's
worker re-emits it as signals. Pause and stop are requests checked between steps.
Every event is also appended to the run's `metrics.jsonl`, and the run store row is
kept current, so a run can be inspected or resumed by any other process.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from . import checkpoint as ckpt
from . import runlock
from .atomic import atomic_write_text
from .cache import NeuralCache
from .config import TrainConfig
from .dataset import Dataset, prepare_dataset
from .distributed import DistContext, init_from_env
from .errors import StudioError
from .events import (CheckpointEvent, DoneEvent, ErrorEvent, EvalEvent, Event, LogEvent, PauseEvent,
                     StartEvent, StepEvent)
from .metrics import summarize
from .model import RNNLM, Hidden, detach_hidden, reset_rows
from .runs import RunStore, append_event, read_events
from .schedule import LRSchedule, build_optimizer
from .stream import BPTTBatcher, TokenArray, eval_batches
from .transfer import TargetSetup, build_target

LOG_EVERY = 10
HIDDEN_ROWS = 1  # the batch dimension of an nn.LSTM/GRU/RNN state [layers, batch, hidden]
STATE_RESET = 1 / 32  # chance per step that a row's carried state is zeroed (see `_carried_state`)
EVAL_BATCH = 16
EVAL_BPTT = 64
FINAL_EVAL_TOKENS = 2_000_000  # README "Bounds": the final evaluation scores at most this many tokens


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


def resolve_device(config: TrainConfig) -> tuple[torch.device, str]:
    if config.device == "cuda" and not torch.cuda.is_available():
        raise StudioError("--device cuda was asked for but no CUDA GPU is available: use --device auto or cpu")
    use_cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    if config.precision != "auto":
        return device, config.precision
    if use_cuda:
        return device, "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return device, "bf16" if torch.cpu._is_avx512_bf16_supported() else "fp32"


@torch.inference_mode()
def evaluate(model: RNNLM, array: TokenArray, device: torch.device, precision: str,
             max_tokens: int | None = None, *, dist_ctx: DistContext | None = None) -> dict[str, float]:
    """Total-NLL metrics of a text; a partial pass scales words and bytes by the share evaluated.

    Scores mix in the model's neural cache (core/cache.py); `lstm_word_ppl` is the word perplexity
    of the network alone. A cap the text fits under is dropped, so that a periodic evaluation of the
    whole text lays it out exactly as the final one does: an undertrained LSTM's loss can swing by
    nats with the row layout. Under torchrun each rank scores its share of the rows and the sums are
    added up, so every rank gets the metrics one process would.
    """
    dist_ctx = dist_ctx or DistContext()
    model.eval()
    if max_tokens is not None and max_tokens >= len(array):
        max_tokens = None
    cache = NeuralCache(model.config.cache_window, model.config.cache_theta, model.config.cache_lambda)
    total, plain, count, hidden, memory = 0.0, 0.0, 0, None, None
    for x, y in eval_batches(array.ids, EVAL_BATCH, EVAL_BPTT, max_tokens, rank=dist_ctx.rank,
                             world_size=dist_ctx.world_size):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            features, hidden = model.encode(x, hidden)
            logits = model.project(features)
        nll, model_nll, memory = cache.nll(features, logits, y, memory)
        total += nll.sum().item()
        plain += model_nll.sum().item()
        count += y.numel()
    total, plain, count = dist_ctx.all_reduce_sum([total, plain, count], device)
    count = int(count)
    share = count / max(len(array) - 1, 1)
    words, n_bytes = round(array.n_words * share), round(array.n_bytes * share)
    lstm_word_ppl = summarize(plain, count, words, n_bytes)["word_ppl"]
    return dict(summarize(total, count, words, n_bytes), lstm_word_ppl=lstm_word_ppl)


def apply_gradients(optimizer: torch.optim.Optimizer, loss: torch.Tensor, clip: float) -> torch.Tensor:
    """Backpropagate `loss`, clip the gradient norm (0 = off) and step. One place for the language
    model's and the classifier's steps; returns the norm before clipping, for the step events."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    params = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    norm = torch.nn.utils.clip_grad_norm_(params, clip) if clip > 0 else torch.zeros((), device=loss.device)
    optimizer.step()
    return norm


def eval_event(split: str, metrics: dict[str, float], extra: dict[str, float] | None = None,
               **fields: Any) -> EvalEvent:
    """An EvalEvent of `evaluate`'s metrics: the four perplexities as fields, the rest in `extra`."""
    core = {key: metrics[key] for key in ("loss", "ppl", "word_ppl", "bpb")}
    rest = {key: value for key, value in metrics.items() if key not in core}
    return EvalEvent(split=split, extra={**rest, **(extra or {})}, **core, **fields)


class Budgeted:
    """How far a run is through its budget: whichever of steps and seconds runs out first.
    Shared by the language-model and the classifier loops, which keep these attributes."""

    config: TrainConfig
    total_steps: int | None
    step: int
    elapsed: float

    def progress(self) -> float:
        parts = [0.0]
        if self.total_steps:
            parts.append(self.step / self.total_steps)
        if self.config.time_budget:
            parts.append(self.elapsed / self.config.time_budget)
        return min(1.0, max(parts))

    def finished(self) -> bool:
        return self.progress() >= 1.0


class TrainingRun(Budgeted):
    """One run's state; `events()` drives it to the end.

    Under torchrun every rank builds one, on its own rows of the stream, and they step in
    lockstep: every decision that depends on a rank's clock or its rows (time budget, stop,
    logged loss, evaluation) is agreed through `dist`, and only rank 0 writes.
    """

    def __init__(self, config: TrainConfig, run_dir: Path, run_id: str, store: RunStore, data: Dataset,
                 setup: TargetSetup, resume_from: Path | None, dist_ctx: DistContext | None = None) -> None:
        self.config, self.run_dir, self.run_id, self.store, self.data = config, run_dir, run_id, store, data
        self.dist = dist_ctx or DistContext()
        device, self.precision = resolve_device(config)
        self.device = self.dist.device(device)
        self.setup = setup
        self.model = setup.model.to(self.device)
        self._ddp: torch.nn.Module | None = None
        self._ddp_trainable: tuple[bool, ...] = ()
        self.optimizer = build_optimizer(setup.groups, config.optimizer, config.peak_lr, config.weight_decay)
        self.schedule = LRSchedule(config.schedule, warmup_steps=config.warmup_steps)
        self.batcher = BPTTBatcher(data.train.ids, config.batch_size, config.bptt, var_bptt=config.var_bptt,
                                   seed=config.seed, rank=self.dist.rank, world_size=self.dist.world_size)
        self.total_steps = self._total_steps()
        self.step = self.epoch = self.batch_in_epoch = self.tokens_seen = 0
        self.elapsed = self.train_seconds = 0.0
        self.best_loss = math.inf
        self.best_valid: dict[str, float] = {}
        self.evals_since_best = 0
        self.hidden: Hidden | None = None
        self.resumed_from = 0
        if resume_from is not None:
            self._restore(resume_from)
        self._seed_rank()

    def _seed_rank(self) -> None:
        """Ranks start from one seed (identical weights) but must not draw identical dropout masks
        for their different rows."""
        if self.dist.enabled:
            torch.manual_seed(hash((self.config.seed, self.dist.rank, self.step)) & 0x7FFF_FFFF)

    def _total_steps(self) -> int | None:
        limits = []
        if self.config.max_steps:
            limits.append(self.config.max_steps)
        if self.config.epochs:
            limits.append(max(1, round(self.config.epochs * self.batcher.steps_per_epoch)))
        return min(limits) if limits else None

    # --- checkpoints -------------------------------------------------------------------
    def _state(self) -> dict:
        return {"step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "tokens_seen": self.tokens_seen, "elapsed": self.elapsed, "train_seconds": self.train_seconds,
                "best_loss": self.best_loss if math.isfinite(self.best_loss) else None,
                "best_valid": self.best_valid, "evals_since_best": self.evals_since_best,
                "plateau_scale": self.schedule.plateau_scale}

    def _tensors(self) -> dict[str, torch.Tensor]:
        """RNG and hidden state; the hidden rows of all ranks, laid out as one process's global batch."""
        tensors = {"rng.cpu": torch.get_rng_state()}
        if self.device.type == "cuda":
            tensors["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        for i, h in enumerate(self.hidden or []):
            for j, t in enumerate(h if isinstance(h, tuple) else (h,)):
                tensors[f"hidden.{i}.{j}"] = self.dist.gather_rows(t.float(), HIDDEN_ROWS)
        return tensors

    def save(self, tag: str, metrics: dict | None = None) -> CheckpointEvent:
        folder = self.run_dir / "checkpoints" / tag
        tensors = self._tensors()  # on every rank: it gathers their hidden rows
        if self.dist.is_main:
            provenance = {"run_id": self.run_id, "train": self.config.train, "step": self.step,
                          "tokens_seen": self.tokens_seen, "source": self.config.source,
                          "transfer": self.config.transfer}
            ckpt.save_model_folder(folder, self.model, self.data.tokenizer, provenance=provenance,
                                   metrics={"valid": metrics or self.best_valid},
                                   extra_files=ckpt.training_state_writers(self._state(), self.optimizer, tensors))
        return CheckpointEvent(step=self.step, path=str(folder), tag=tag)

    def _restore(self, folder: Path) -> None:
        loaded = ckpt.load_model_folder(folder, self.device)
        self.model.load_state_dict(loaded.model.state_dict())
        meta, tensors = ckpt.load_training_state(folder, self.optimizer)
        for key in ("step", "epoch", "batch_in_epoch", "tokens_seen", "elapsed", "train_seconds",
                    "best_valid", "evals_since_best"):
            setattr(self, key, meta[key])
        self.best_loss = meta["best_loss"] if meta["best_loss"] is not None else math.inf
        self.schedule.plateau_scale = meta.get("plateau_scale", 1.0)
        torch.set_rng_state(tensors["rng.cpu"])
        if "rng.cuda" in tensors and self.device.type == "cuda":
            torch.cuda.set_rng_state(tensors["rng.cuda"], self.device)
        self.hidden = self._hidden_from(tensors)
        self.resumed_from = self.step

    def _hidden_from(self, tensors: dict[str, torch.Tensor]) -> Hidden | None:
        """This rank's rows of the saved state; none (a fresh state) if the global batch changed."""
        layers = sorted({int(k.split(".")[1]) for k in tensors if k.startswith("hidden.")})
        if not layers:
            return None
        hidden: Hidden = []
        for i in layers:
            parts = [self.dist.own_rows(tensors[f"hidden.{i}.{j}"], HIDDEN_ROWS) for j in range(2)
                     if f"hidden.{i}.{j}" in tensors]
            if any(part is None or part.size(HIDDEN_ROWS) != self.config.batch_size for part in parts):
                return None
            parts = [part.to(self.device) for part in parts]
            hidden.append(tuple(parts) if len(parts) == 2 else parts[0])
        return hidden

    # --- the loop ------------------------------------------------------------------------
    def events(self, control: TrainControl) -> Iterator[Event]:
        yield self.start_event()
        for message in self.data.warnings + self.setup.messages:
            yield LogEvent(level="warning" if message in self.data.warnings or "warning" in message.lower()
                           else "info", message=message)
        if self.step == 0:
            yield self.save("last")
        yield from self._train(control)

    def start_event(self) -> StartEvent:
        return StartEvent(run_id=self.run_id, run_dir=str(self.run_dir), config=self.config.to_dict(),
                          parameters=self.model.num_parameters(),
                          trainable_parameters=self.model.num_parameters(trainable_only=True),
                          train_tokens=len(self.data.train), steps_per_epoch=self.batcher.steps_per_epoch,
                          total_steps=self.total_steps, device=str(self.device), precision=self.precision,
                          resumed_from_step=self.resumed_from)

    def _train(self, control: TrainControl) -> Iterator[Event]:
        window_loss = torch.zeros((), device=self.device)
        window_norm = torch.zeros((), device=self.device)
        window_steps, window_tokens, window_time = 0, 0, 0.0
        reason = "budget"
        while not self._finished_everywhere():
            batches = self.batcher.batches(self.epoch, self.batch_in_epoch)
            for x, y in batches:
                if control.paused:
                    yield from self._pause(control)
                if self.dist.any_true(control.stopped, self.device):
                    reason = "stopped"
                    break
                started = time.perf_counter()
                loss, norm = self._step(x, y)
                window_loss += loss
                window_norm += norm
                took = time.perf_counter() - started
                window_steps += 1
                window_tokens += y.numel() * self.dist.world_size
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
                    yield event
                    window_loss.zero_(), window_norm.zero_()
                    window_steps, window_tokens, window_time = 0, 0, 0.0
                if self.step % self.config.eval_every == 0 or finished:
                    if not (yield from self._periodic_eval()):
                        return
                    if self._early_stop():
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

    def _finished_everywhere(self) -> bool:
        """`finished()` as all ranks agree on it: their clocks differ, so under a time budget one
        could otherwise stop a step before the others and leave them waiting in a collective."""
        if not self.config.time_budget:
            return self.finished()
        return self.dist.any_true(self.finished(), self.device)

    def _stepper(self) -> torch.nn.Module:
        """The module a step runs through: DDP under torchrun, rebuilt when gradual unfreezing changes
        what trains, because DDP only averages the gradients of parameters trainable when it was built."""
        if not self.dist.enabled:
            return self.model
        trainable = tuple(p.requires_grad for p in self.model.parameters())
        if self._ddp is None or trainable != self._ddp_trainable:
            self._ddp, self._ddp_trainable = self.dist.wrap(self.model, self.device), trainable
        return self._ddp

    def _carried_state(self, rows: int) -> Hidden | None:
        """The last batch's state, detached, with a random few rows started afresh.

        Carrying the state across every batch means a row meets a zero state only where it
        starts, so the model never learns to start reading mid-text, which is what evaluation
        rows, generation and autocomplete all do. Unchecked, an LSTM can learn cell units that
        grow without bound from a zero state at some positions. A char model on tiny-shakespeare
        trained without resets scored 1.7 nats/char on a text read as one row and 3.1 on the same
        text read as 16 rows (one row at 23 nats, a cell value past 1,000); its validation loss
        at step 500 was 3.0 without resets and 1.67 with them.
        The draw depends only on (seed, step) and covers the global batch, of which each rank
        takes its own rows, so a run resumes, and runs under torchrun, exactly as one process.
        """
        if self.hidden is None:
            return None
        draw = torch.Generator().manual_seed(self.config.seed * 1_000_003 + self.step)
        keep = torch.rand(rows * self.dist.world_size, generator=draw) >= STATE_RESET
        return reset_rows(detach_hidden(self.hidden), keep[self.dist.rank * rows:(self.dist.rank + 1) * rows]
                          .to(self.device))

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.setup.before_step(self.step)
        self.schedule.apply(self.optimizer, self.step, self.progress())
        self.model.train()
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        hidden = self._carried_state(x.size(0))
        stepper = self._stepper()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            logits, hidden = stepper(x, hidden)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), y.reshape(-1))
        norm = apply_gradients(self.optimizer, loss, self.config.clip)
        self.hidden = hidden
        self.step += 1
        self.batch_in_epoch += 1
        self.tokens_seen += y.numel() * self.dist.world_size
        return loss.detach(), norm.detach()

    def _step_event(self, loss: torch.Tensor, norm: torch.Tensor, tokens_per_s: float) -> StepEvent:
        """The loss is the mean over all ranks' rows (they hold equal token counts); DDP has already
        made the gradient norm the same on every rank."""
        progress = self.progress()
        eta = self.elapsed * (1 - progress) / progress if progress > 0 else None
        mean_loss = self.dist.all_reduce_sum([float(loss)], self.device)[0] / self.dist.world_size
        return StepEvent(step=self.step, epoch=self.epoch, tokens_seen=self.tokens_seen, loss=mean_loss,
                         lr=self.optimizer.param_groups[-1]["lr"], grad_norm=float(norm),
                         tokens_per_s=tokens_per_s, elapsed=self.elapsed, progress=progress, eta=eta)

    def _pause(self, control: TrainControl) -> Iterator[Event]:
        self.store.update(self.run_id, status="paused")  # before the event: whoever receives it may read the store
        yield PauseEvent(step=self.step, paused=True)
        control.wait_while_paused()
        self.store.update(self.run_id, status="running")
        yield PauseEvent(step=self.step, paused=False)

    def _timed(self, fn):
        started = time.perf_counter()
        result = fn()
        self.elapsed += time.perf_counter() - started
        return result

    def _periodic_eval(self) -> Generator[Event, None, bool]:
        """Evaluate and checkpoint; False (after an error event) when the weights diverged, so that a
        broken model never overwrites the last good checkpoint."""
        metrics = self._timed(lambda: evaluate(self.model, self.data.valid, self.device, self.precision,
                                               self.config.eval_tokens, dist_ctx=self.dist))
        if not math.isfinite(metrics["loss"]):
            yield self._diverged(metrics["loss"])
            return False
        improved = metrics["loss"] < self.best_loss
        self.schedule.on_eval(improved)
        yield eval_event("valid", metrics, step=self.step, tokens_seen=self.tokens_seen, elapsed=self.elapsed,
                         is_best=improved)
        if improved:
            self.best_loss = metrics["loss"]
            self.best_valid = dict(metrics, step=self.step, tokens_seen=self.tokens_seen)
            self.evals_since_best = 0
            yield self._timed(lambda: self.save("best", metrics))
        else:
            self.evals_since_best += 1
        self.store.update(self.run_id, status="running", best=self.best_valid, step=self.step,
                          tokens_seen=self.tokens_seen, elapsed=self.elapsed)  # before the event: its reader looks
        yield self._timed(lambda: self.save("last", metrics))
        return True

    def _early_stop(self) -> bool:
        return self.config.patience > 0 and self.evals_since_best >= self.config.patience

    def _diverged(self, loss: float) -> ErrorEvent:
        message = (f"training diverged at step {self.step}: the loss became {loss}. Lower the learning rate "
                   f"(--lr, now {self.config.peak_lr:g}) or clip gradients harder (--clip, now {self.config.clip:g}); "
                   "the last good checkpoint is kept")
        self.store.update(self.run_id, status="failed")
        return ErrorEvent(message=message, step=self.step, run_dir=str(self.run_dir),
                          checkpoint=str(self.run_dir / "checkpoints" / "last"))

    def _finish(self, reason: str) -> Iterator[Event]:
        if reason == "stopped" and self.step == 0:  # every rank alike: no collective is left waiting
            yield LogEvent(level="info", message="stopped before the first training step: nothing was kept")
            if self.dist.is_main:
                self.store.delete(self.run_id)  # nothing trained, nothing worth keeping
            return
        if reason == "stopped":
            yield self.save("last")
            self.store.update(self.run_id, status="stopped", step=self.step, tokens_seen=self.tokens_seen,
                              elapsed=self.elapsed)
            yield self._done(reason, dict(self.best_valid), {}, 0.0)
            return
        started = time.perf_counter()
        self._load_best()
        valid = evaluate(self.model, self.data.valid, self.device, self.precision, FINAL_EVAL_TOKENS,
                         dist_ctx=self.dist)
        yield eval_event("valid", valid, {"final": 1.0}, step=self.step, tokens_seen=self.tokens_seen,
                         elapsed=self.elapsed)
        test = {}
        if self.data.test is not None:
            test = evaluate(self.model, self.data.test, self.device, self.precision, FINAL_EVAL_TOKENS,
                            dist_ctx=self.dist)
            yield eval_event("test", test, {"final": 1.0}, step=self.step, tokens_seen=self.tokens_seen,
                             elapsed=self.elapsed)
        self.store.update(self.run_id, status="done", final={"valid": valid, "test": test})
        yield self._done(reason, valid, test, time.perf_counter() - started)

    def _load_best(self) -> None:
        """The final evaluation scores the best weights. Rank 0 reads them and sends them to the
        others, which may run on machines that cannot see the run folder."""
        best = self.run_dir / "checkpoints" / "best"
        if self.dist.is_main and (best / ckpt.CONFIG).is_file():
            self.model.load_state_dict(ckpt.load_model_folder(best, self.device).model.state_dict())
        self.dist.broadcast_module(self.model)

    def _done(self, reason: str, valid: dict, test: dict, eval_seconds: float) -> DoneEvent:
        return DoneEvent(run_id=self.run_id, run_dir=str(self.run_dir), step=self.step,
                         tokens_seen=self.tokens_seen, elapsed=self.elapsed,
                         tokens_per_s=self.tokens_seen / max(self.train_seconds, 1e-9), reason=reason,
                         valid=valid, test=test, best_checkpoint=str(ckpt.run_checkpoint(self.run_dir)),
                         eval_seconds=eval_seconds)


def _load_source(config: TrainConfig) -> ckpt.LoadedModel | None:
    return ckpt.load_model(config.source) if config.source else None


def _uses_source_tokenizer(config: TrainConfig, source: ckpt.LoadedModel | None) -> bool:
    """auto = the source's tokenizer for a transfer run; a scratch run may ask for it (matched baselines)."""
    if source is None:
        return False
    return config.tokenizer == "source" or (config.tokenizer == "auto" and config.transfer != "scratch")


def _prepare(config: TrainConfig, world_size: int = 1) -> tuple[Dataset, TargetSetup]:
    source = _load_source(config)
    data = prepare_dataset(config, source.tokenizer if _uses_source_tokenizer(config, source) else None)
    # refuses a text smaller than one batch of every process
    batcher = BPTTBatcher(data.train.ids, config.batch_size, config.bptt, world_size=world_size)
    torch.manual_seed(config.seed)
    setup = build_target(config, data.tokenizer, source if config.transfer != "scratch" else None,
                         batcher.steps_per_epoch)
    return data, setup


def _register(config: TrainConfig, store: RunStore, data: Dataset) -> tuple[str, Path]:
    record = store.create(name=config.name, config=config.to_dict(), source=config.source,
                          transfer=config.transfer, data_bytes=data.train_bytes,
                          tokenizer=data.tokenizer.fingerprint())
    config.save(record.run_dir / "run.toml")
    return record.id, record.run_dir


def _open_new(config: TrainConfig, store: RunStore, dist_ctx: DistContext) -> TrainingRun:
    config.validate()
    data, setup = dist_ctx.main_first(lambda: _prepare(config, dist_ctx.world_size))
    run_id, run_dir = dist_ctx.on_main(lambda: _register(config, store, data))
    try:
        return TrainingRun(config, run_dir, run_id, store, data, setup, None, dist_ctx)
    except BaseException:
        if dist_ctx.is_main:
            store.delete(run_id)  # never trained: leave nothing behind
        raise


def _find_resumable(ref: str, store: RunStore) -> tuple[str, Path, Path]:
    record = store.find(ref)
    runlock.acquire(record.run_dir)  # before anything is read or cut back: one trainer per run
    try:
        last = ckpt.resume_checkpoint(record.run_dir)  # "best" when "last" is damaged, with a warning
    except BaseException:
        runlock.release(record.run_dir)
        raise
    return record.id, record.run_dir, last


def _open_resume(ref: str, store: RunStore, overrides: dict | None, dist_ctx: DistContext) -> TrainingRun:
    """Under torchrun rank 0 finds the run; every rank then reads its config and checkpoint, so a
    multi-machine resume needs the run folder on a shared file system."""
    run_id, run_dir, last = dist_ctx.on_main(lambda: _find_resumable(ref, store))
    try:
        config = TrainConfig.load(run_dir / "run.toml")
        for key, value in (overrides or {}).items():
            setattr(config, key, value)
        data, setup = dist_ctx.main_first(lambda: _prepare(config, dist_ctx.world_size))
        dist_ctx.on_main(lambda: _truncate_metrics(run_dir, ckpt.load_training_state_meta(last)["step"]))
        return TrainingRun(config, run_dir, run_id, store, data, setup, last, dist_ctx)
    except BaseException:
        runlock.release(run_dir)
        raise


def _truncate_metrics(run_dir: Path, step: int) -> None:
    """Events after the checkpoint will be produced again by the resumed run: drop them."""
    kept = [e for e in read_events(run_dir) if e.get("step", 0) <= step and e.get("event") != "done"]
    atomic_write_text(run_dir / "metrics.jsonl", "".join(json.dumps(e) + "\n" for e in kept))


def drive(open_run: Callable[[], Any], store: RunStore, control: TrainControl, *, record: bool = True,
          disk_fix: str = "resume the run; the previous checkpoint is intact") -> Iterator[Event]:
    """Open a run and iterate it, turning failures into one ErrorEvent; shared by every kind of run.

    `open_run` returns an object with `run_id`, `run_dir`, `step` and `events(control)`. Without
    `record` (torchrun's other ranks) the events are yielded but not appended to `metrics.jsonl`.
    `disk_fix` ends the message of a failed write: what to do once there is space again.
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


class _SilentStore:
    """What torchrun's other ranks hold instead of the run store: rank 0 alone keeps the row current."""

    def update(self, run_id: str, **fields: Any) -> None:
        pass


def set_threads(config: TrainConfig, dist_ctx: DistContext | None = None) -> None:
    """`--threads 0` means all cores, shared out among the processes torchrun started on this machine."""
    local_procs = dist_ctx.local_world_size if dist_ctx else 1
    torch.set_num_threads(config.threads or max(1, (os.cpu_count() or 1) // local_procs))


def train(config: TrainConfig, control: TrainControl | None = None, *, resume: str | None = None,
          overrides: dict | None = None, dist_ctx: DistContext | None = None) -> Iterator[Event]:
    """Run (or resume) one training run, yielding events; never raises for bad input.

    Under torchrun (`dist_ctx`, by default joined from torchrun's environment) every rank calls
    this and yields the same events; only rank 0 writes the run store, metrics and checkpoints.
    `config.batch_size` is per process: N ranks train on N x batch_size rows per step.
    """
    dist_ctx = dist_ctx or init_from_env()
    set_threads(config, dist_ctx)
    store = RunStore() if dist_ctx.is_main else _SilentStore()
    if config.transfer == "task" and not resume:
        if dist_ctx.enabled:
            yield ErrorEvent(message="--transfer task trains in one process: run it without torchrun or --nproc")
            return
        from .classify import train_task

        yield from train_task(config, control)
        return
    yield from drive(lambda: _open_resume(resume, store, overrides, dist_ctx) if resume
                     else _open_new(config, store, dist_ctx), store, control or TrainControl(),
                     record=dist_ctx.is_main)
