"""The language-model run: a case of the one run loop (core/run_loop.py).

It supplies the loop's hooks for a recurrent LM: BPTT batches over a token stream with the
hidden state carried between them, the next-token loss, perplexity evaluation (core/evaluate.py)
and resumable checkpoints. Under torchrun every rank runs it in lockstep.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from . import checkpoint as ckpt
from . import runlock
from .atomic import atomic_write_text
from .averaging import WeightAverage
from .chain import train_chain
from .tasks import train_task
from .config import TrainConfig
from .dataset import Dataset, prepare_dataset
from .device import resolve_device
from .distributed import DistContext, init_from_env
from .evaluate import FINAL_EVAL_TOKENS, evaluate
from .errors import option
from .events import CheckpointEvent, ErrorEvent, EvalEvent, Event, LogEvent
from .mapping import checkpoint_writers, load_checkpoint_weights, mapping_provenance, merged
from .multi_source import build_mixture, load_sources, sources_provenance
from .model import Hidden, detach_hidden, reset_rows
from .run_loop import RunLoop, TrainControl, built_or_forgotten, drive, set_threads, total_steps
from .runs import RunStore, read_events
from .schedule import LRSchedule, build_optimizer
from .stream import BPTTBatcher
from .transfer import TargetSetup, build_target

HIDDEN_ROWS = 1  # the batch dimension of an nn.LSTM/GRU/RNN state [layers, batch, hidden]
STATE_RESET = 1 / 32  # chance per step that a row's carried state is zeroed (see `_carried_state`)
STARTS_AS_SOURCE = ("parameter", "partial", "ulmfit")  # transfers whose first step starts from the source's language model


def eval_event(split: str, metrics: dict[str, float], extra: dict[str, float] | None = None,
               **fields: Any) -> EvalEvent:
    """An EvalEvent of `evaluate`'s metrics: the four perplexities as fields, the rest in `extra`."""
    core = {key: metrics[key] for key in ("loss", "ppl", "word_ppl", "bpb")}
    rest = {key: value for key, value in metrics.items() if key not in core}
    return EvalEvent(split=split, extra={**rest, **(extra or {})}, **core, **fields)


class TrainingRun(RunLoop):
    """A language model's run; `events()` (the run loop's) drives it to the end.

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
        self.steps_per_epoch = self.batcher.steps_per_epoch
        self.eval_every = config.eval_every
        self.evaluates_first = config.transfer in STARTS_AS_SOURCE
        self.total_steps = total_steps(config, self.steps_per_epoch)
        self._init_progress()
        self.hidden: Hidden | None = None
        if resume_from is not None:
            self._restore(resume_from)
        self._seed_rank()

    def _seed_rank(self) -> None:
        """Ranks start from one seed (identical weights) but must not draw identical dropout masks
        for their different rows."""
        if self.dist.enabled:
            torch.manual_seed(hash((self.config.seed, self.dist.rank, self.step)) & 0x7FFF_FFFF)

    # --- checkpoints -------------------------------------------------------------------
    def _state(self) -> dict:
        return {"step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "tokens_seen": self.tokens_seen, "elapsed": self.elapsed, "train_seconds": self.train_seconds,
                "best_loss": -self.best_key if self.best_key is not None else None,
                "best_valid": self.best_valid, "evals_since_best": self.evals_since_best,
                "plateau_scale": self.schedule.plateau_scale,
                "average_count": self.average.count if self.average else 0}

    def _tensors(self) -> dict[str, torch.Tensor]:
        """RNG and hidden state; the hidden rows of all ranks, laid out as one process's global batch."""
        tensors = {"rng.cpu": torch.get_rng_state()}
        if self.device.type == "cuda":
            tensors["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        for i, h in enumerate(self.hidden or []):
            for j, t in enumerate(h if isinstance(h, tuple) else (h,)):
                tensors[f"hidden.{i}.{j}"] = self.dist.gather_rows(t.float(), HIDDEN_ROWS)
        if self.average is not None:  # saved with the mean in the model: the weights training goes on from
            tensors.update(self.average.tensors())
        return tensors

    def save(self, tag: str, metrics: dict | None = None) -> CheckpointEvent:
        folder = self.run_dir / "checkpoints" / tag
        tensors = self._tensors()  # on every rank: it gathers their hidden rows
        if self.dist.is_main:
            provenance = {"run_id": self.run_id, "train": self.config.train, "step": self.step,
                          "tokens_seen": self.tokens_seen, "source": self.config.source,
                          "transfer": self.config.transfer, **mapping_provenance(self.config, self.model),
                          **sources_provenance(self.config)}
            ckpt.save_model_folder(folder, merged(self.model), self.data.tokenizer, provenance=provenance,
                                   metrics={"valid": metrics or self.best_valid},
                                   extra_files={**ckpt.training_state_writers(self._state(), self.optimizer, tensors),
                                                **checkpoint_writers(self.model)})
        return CheckpointEvent(step=self.step, path=str(folder), tag=tag)

    def _restore(self, folder: Path) -> None:
        load_checkpoint_weights(self.model, folder, self.device)
        meta, tensors = ckpt.load_training_state(folder, self.optimizer)
        for key in ("step", "epoch", "batch_in_epoch", "tokens_seen", "elapsed", "train_seconds",
                    "best_valid", "evals_since_best"):
            setattr(self, key, meta[key])
        self.best_key = -meta["best_loss"] if meta["best_loss"] is not None else None
        self.schedule.plateau_scale = meta.get("plateau_scale", 1.0)
        torch.set_rng_state(tensors["rng.cpu"])
        if "rng.cuda" in tensors and self.device.type == "cuda":
            torch.cuda.set_rng_state(tensors["rng.cuda"], self.device)
        self.hidden = self._hidden_from(tensors)
        if meta.get("average_count"):  # the model was saved as the mean; training goes on from its own weights
            self.average = WeightAverage.resumed(self.model, meta["average_count"], tensors)
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

    # --- the run loop's hooks ------------------------------------------------------------------
    def notes(self) -> list[LogEvent]:
        return [LogEvent(level="warning" if message in self.data.warnings or "warning" in message.lower()
                         else "info", message=message) for message in self.data.warnings + self.setup.messages]

    def train_tokens(self) -> int:
        return len(self.data.train)

    def epoch_batches(self) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        return self.batcher.batches(self.epoch, self.batch_in_epoch)

    def score(self, metrics: dict[str, float]) -> float:
        return -metrics["loss"]

    def measure(self, split: str, final: bool) -> dict[str, float]:
        return evaluate(self.model, getattr(self.data, split), self.device, self.precision,
                        FINAL_EVAL_TOKENS if final else self.config.eval_tokens, dist_ctx=self.dist)

    def eval_event(self, split: str, metrics: dict[str, float], is_best: bool = False,
                   final: bool = False) -> EvalEvent:
        unit = getattr(self.data, split).word_unit
        if final:
            return eval_event(split, metrics, {"final": 1.0}, step=self.step, tokens_seen=self.tokens_seen,
                              elapsed=self.elapsed, word_unit=unit)
        return eval_event(split, metrics, step=self.step, tokens_seen=self.tokens_seen, elapsed=self.elapsed,
                          is_best=is_best, word_unit=unit)

    def word_unit(self) -> str:
        return self.data.valid.word_unit

    def divergence_advice(self) -> str:
        return (f"Lower {option('lr')} (now {self.config.peak_lr:g}) or clip gradients harder with {option('clip')} "
                f"(now {self.config.clip:g}); the last good checkpoint is kept")

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

    def loss_of(self, batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, int]:
        x, y = (t.to(self.device, non_blocking=True) for t in batch)
        hidden = self._carried_state(x.size(0))
        stepper = self._stepper()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            logits, hidden = stepper(x, hidden)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), y.reshape(-1))
        self.hidden = hidden
        return loss, y.numel() * self.dist.world_size

    def load_best(self) -> None:
        """The final evaluation scores the best weights. Rank 0 reads them and sends them to the
        others, which may run on machines that cannot see the run folder."""
        best = self.run_dir / "checkpoints" / "best"
        if self.dist.is_main and (best / ckpt.CONFIG).is_file():
            load_checkpoint_weights(self.model, best, self.device)
        self.dist.broadcast_module(self.model)


def _uses_source_tokenizer(config: TrainConfig, source: ckpt.LoadedModel | None) -> bool:
    """auto = the source's tokenizer for a transfer run; a scratch run may ask for it (matched baselines)."""
    if source is None:
        return False
    return config.tokenizer == "source" or (config.tokenizer == "auto" and config.transfer != "scratch")


def _prepare(config: TrainConfig, world_size: int = 1) -> tuple[Dataset, TargetSetup]:
    sources = load_sources(config)  # several are averaged into one, or each kept for a mixture
    source = sources[0] if sources else None
    data = prepare_dataset(config, source.tokenizer if _uses_source_tokenizer(config, source) else None)
    # refuses a text smaller than one batch of every process
    batcher = BPTTBatcher(data.train.ids, config.batch_size, config.bptt, world_size=world_size)
    torch.manual_seed(config.seed)
    if config.multi_source == "mixture":
        return data, build_mixture(config, data.tokenizer, sources)
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
    config.fill_budget()
    data, setup = dist_ctx.main_first(lambda: _prepare(config, dist_ctx.world_size))
    run_id, run_dir = dist_ctx.on_main(lambda: _register(config, store, data))
    return built_or_forgotten(lambda: TrainingRun(config, run_dir, run_id, store, data, setup, None, dist_ctx),
                              store, run_id, dist_ctx)


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


class _SilentStore:
    """What torchrun's other ranks hold instead of the run store: rank 0 alone keeps the row current."""

    def update(self, run_id: str, **fields: Any) -> None:
        pass


def train(config: TrainConfig, control: TrainControl | None = None, *, resume: str | None = None,
          overrides: dict | None = None, dist_ctx: DistContext | None = None) -> Iterator[Event]:
    """Run (or resume) one training run, yielding events; never raises for bad input.

    Under torchrun (`dist_ctx`, by default joined from torchrun's environment) every rank calls
    this and yields the same events; only rank 0 writes the run store, metrics and checkpoints.
    `config.batch_size` is per process: N ranks train on N x batch_size rows per step.
    """
    if config.multi_source == "chain" and not resume:  # stages of ordinary runs, each through this function
        yield from train_chain(config, control or TrainControl(), train)
        return
    dist_ctx = dist_ctx or init_from_env()
    set_threads(config, dist_ctx)
    store = RunStore() if dist_ctx.is_main else _SilentStore()
    if config.transfer == "task" and not resume:
        if dist_ctx.enabled:
            yield ErrorEvent(message="--transfer task trains in one process: run it without torchrun or --nproc")
            return
        events = train_task(config, control)
    else:
        events = drive(lambda: _open_resume(resume, store, overrides, dist_ctx) if resume
                       else _open_new(config, store, dist_ctx), store, control or TrainControl(),
                       record=dist_ctx.is_main)
    if config.tensorboard and dist_ctx.is_main:
        from .tensorboard import mirror

        events = mirror(events, config.tensorboard)
    yield from events
