"""Typed events the trainer yields.

The trainer knows nothing of threads, widgets or terminals: it yields these, the CLI
prints them as JSON lines and the GUI worker re-emits them as Qt signals.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class Event:
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=True)


@dataclass
class StartEvent(Event):
    """The run exists: its folder, resolved config, model size and budget are known."""

    kind: ClassVar[str] = "start"
    run_id: str
    run_dir: str
    config: dict[str, Any]
    parameters: int
    trainable_parameters: int
    train_tokens: int
    steps_per_epoch: int
    total_steps: int | None
    device: str
    precision: str
    resumed_from_step: int = 0


@dataclass
class LogEvent(Event):
    """Something the user should read: a warning (encoding fallback, lowered vocab) or info."""

    kind: ClassVar[str] = "log"
    level: str
    message: str


@dataclass
class StepEvent(Event):
    kind: ClassVar[str] = "step"
    step: int
    epoch: int
    tokens_seen: int
    loss: float
    lr: float
    grad_norm: float
    tokens_per_s: float
    elapsed: float
    progress: float
    eta: float | None


@dataclass
class EvalEvent(Event):
    """Metrics on one split; `loss` is mean NLL per token in nats. `word_ppl` is per `word_unit`:
    "character" for mostly Chinese/Japanese text (core/words.py), else "word"."""

    kind: ClassVar[str] = "eval"
    step: int
    tokens_seen: int
    elapsed: float
    split: str
    loss: float
    ppl: float
    word_ppl: float
    bpb: float
    is_best: bool = False
    extra: dict[str, float] = field(default_factory=dict)
    word_unit: str = "word"


@dataclass
class CheckpointEvent(Event):
    kind: ClassVar[str] = "checkpoint"
    step: int
    path: str
    tag: str


@dataclass
class PauseEvent(Event):
    kind: ClassVar[str] = "pause"
    step: int
    paused: bool


@dataclass
class DoneEvent(Event):
    """The last event of a run that ended normally (budget reached, stopped, or early-stopped)."""

    kind: ClassVar[str] = "done"
    run_id: str
    run_dir: str
    step: int
    tokens_seen: int
    elapsed: float
    tokens_per_s: float
    reason: str
    valid: dict[str, float]
    test: dict[str, float]
    best_checkpoint: str
    eval_seconds: float = 0.0
    baseline: dict[str, Any] | None = None
    word_unit: str = "word"  # what the `word_ppl` figures are per, as in EvalEvent


@dataclass
class AverageEvent(Event):
    """Weight averaging (`--average-from`) began after this step: from here on evaluations and checkpoints
    use the mean of the weights, so the validation curve changes character there and the plots mark it."""

    kind: ClassVar[str] = "average"
    step: int
    tokens_seen: int
    elapsed: float
    share: float  # of the budget done when it began

    @property
    def message(self) -> str:
        return (f"averaging weights from step {self.step:,} ({self.share:.0%} of the budget) on: evaluations and "
                "checkpoints now use the mean of the weights after every step since")


@dataclass
class ErrorEvent(Event):
    """The last event of a run that failed; `message` says what happened and what to change."""

    kind: ClassVar[str] = "error"
    message: str
    step: int = 0
    run_dir: str | None = None
    checkpoint: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (StartEvent, LogEvent, StepEvent, EvalEvent, CheckpointEvent, PauseEvent, AverageEvent, DoneEvent,
                ErrorEvent)
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON form (the GUI reads torchrun children this way)."""
    fields = dict(data)
    cls = EVENT_TYPES[fields.pop("event")]
    return cls(**fields)
