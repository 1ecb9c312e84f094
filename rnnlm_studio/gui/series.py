"""One run's points as the plots draw them: growable column buffers of training steps and validation
evaluations, the smoothed loss, and where weight averaging began. No drawing here (plots.py draws),
so a stored run's curves can be read on a worker thread."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..core.events import AverageEvent, Event, EvalEvent, StepEvent, event_from_dict

TASK_VIEWS = ("accuracy", "macro_f1", "entity_f1")  # a task run's figures: higher is better, on a linear axis
TRAIN_COLUMNS = ("step", "tokens", "elapsed", "loss", "smooth")
VALID_COLUMNS = ("step", "tokens", "elapsed", "loss", "ppl", "word_ppl", "bpb", *TASK_VIEWS)


class Columns:
    """Growable float columns; reads are slices of one array, so a redraw copies nothing."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._index = {name: i for i, name in enumerate(names)}
        self._data = np.empty((len(names), 256))
        self.size = 0

    def append(self, values: Iterable[float]) -> None:
        if self.size == self._data.shape[1]:
            grown = np.empty((len(self.names), self.size * 2))
            grown[:, :self.size] = self._data[:, :self.size]
            self._data = grown
        self._data[:, self.size] = list(values)
        self.size += 1

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[self._index[name], :self.size]

    def __len__(self) -> int:
        return self.size

    def cut_from_step(self, step: float) -> None:
        """Drop points at or after `step`: a resumed run replays them from its checkpoint."""
        self.size = int(np.searchsorted(self["step"], step, side="left"))


class RunSeries:
    """One run's points: train loss per logged step (and its smoothed value), validation metrics per eval."""

    def __init__(self, key: str, name: str, colour: str, tokenizer: str | None = None,
                 smoothing: float = 0.6) -> None:
        self.key, self.name, self.colour, self.tokenizer = key, name, colour, tokenizer
        self.train = Columns(TRAIN_COLUMNS)
        self.valid = Columns(VALID_COLUMNS)
        self.smoothing = smoothing
        self._ema = _Ema(smoothing)
        self.averaged_from: dict[str, float] | None = None  # where weight averaging began, per x column

    def add(self, event: Event) -> bool:
        """Take a step, validation or averaging event; True when it changed what the plots show."""
        if isinstance(event, AverageEvent):
            self.averaged_from = {"step": event.step, "tokens": event.tokens_seen, "elapsed": event.elapsed}
            return True
        if isinstance(event, StepEvent):
            if len(self.train) and event.step <= self.train["step"][-1]:
                self.train.cut_from_step(event.step)
                self.set_smoothing(self.smoothing)
            if self.averaged_from and event.step < self.averaged_from["step"]:
                self.averaged_from = None  # a resume from before it: the run announces it again
            self.train.append((event.step, event.tokens_seen, event.elapsed, event.loss,
                               self._ema.add(event.loss)))
            return True
        if isinstance(event, EvalEvent) and event.split == "valid":
            if len(self.valid) and event.step <= self.valid["step"][-1]:
                self.valid.cut_from_step(event.step)
            self.valid.append((event.step, event.tokens_seen, event.elapsed, event.loss, event.ppl,
                               event.word_ppl, event.bpb, *(event.extra.get(key, math.nan) for key in TASK_VIEWS)))
            return True
        return False

    def is_task(self) -> bool:
        """A classifier or tagger: its evaluations carry accuracy and no perplexity."""
        return bool(len(self.valid)) and bool(np.isfinite(self.valid["accuracy"]).any())

    def set_smoothing(self, weight: float) -> None:
        """Recompute the smoothed column for a new slider value (or after a resume cut the run)."""
        self.smoothing = weight
        self._ema = _Ema(weight)
        smooth = self.train["smooth"]
        for i, loss in enumerate(self.train["loss"]):
            smooth[i] = self._ema.add(float(loss))

    @classmethod
    def from_events(cls, key: str, name: str, colour: str, events: list[dict[str, Any]],
                    tokenizer: str | None = None, smoothing: float = 0.6) -> "RunSeries":
        series = cls(key, name, colour, tokenizer, smoothing)
        for data in events:
            if data.get("event") in ("step", "eval", "average"):
                series.add(event_from_dict(data))
        return series


class _Ema:
    """TensorBoard's debiased exponential moving average, one point at a time."""

    def __init__(self, weight: float) -> None:
        self.weight, self.last, self.norm = weight, 0.0, 0.0

    def add(self, value: float) -> float:
        if not math.isfinite(value):
            return value
        self.last = self.last * self.weight + (1 - self.weight) * value
        self.norm = self.norm * self.weight + (1 - self.weight)
        return self.last / self.norm
