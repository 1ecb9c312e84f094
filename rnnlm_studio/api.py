"""The Python API for notebooks and scripts: `from rnnlm_studio import train, load_model, ...`.

A thin layer over `core/`, the same engine the CLI and the GUI drive: iterating `train(...)`
yields the events `train --json` prints. Only the config module is imported here; torch and
the rest load on first use, so `import rnnlm_studio` stays quick.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.config import ModelConfig, TrainConfig
from .core.errors import ConfigError, StudioError
from .core.interrupt import calling_on_start, stop_on_signals

if TYPE_CHECKING:
    from .core.checkpoint import LoadedModel
    from .core.events import DoneEvent, Event
    from .core.autocomplete import Suggestions
    from .core.predict import Prediction

_TRAIN_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)} - {"model"}
_MODEL_FIELDS = {f.name for f in dataclasses.fields(ModelConfig)}
_BUDGETS = ("epochs", "max_steps", "time_budget")


def _config(config: TrainConfig | None, text: Any, options: dict[str, Any]) -> TrainConfig:
    """`config` with `options` laid over it; a model option (hidden_size=...) goes to its model."""
    unknown = sorted(set(options) - _TRAIN_FIELDS - _MODEL_FIELDS)
    if unknown:
        raise ConfigError(f"unknown training option(s) {', '.join(unknown)}: see help(rnnlm_studio.TrainConfig)")
    base = config or TrainConfig()
    model = dataclasses.replace(base.model, **{k: v for k, v in options.items() if k in _MODEL_FIELDS})
    changes = {k: v for k, v in options.items() if k in _TRAIN_FIELDS}
    if text is not None:
        changes["train"] = [str(p) for p in ([text] if isinstance(text, (str, Path)) else text)]
    return dataclasses.replace(base, model=model, **changes)


def _keep_threads(config: TrainConfig) -> TrainConfig:
    """`threads=0` means "all cores" on the command line; here it means "as the process has it", so a
    notebook's thread count never changes unless the caller sets `threads`."""
    if config.threads:
        return config
    import torch

    return dataclasses.replace(config, threads=torch.get_num_threads())


class Training:
    """One run (or a run and its matched baseline): iterate it for events, or `run()` it to the end.

    Ctrl-C (a notebook's Interrupt) while it is being iterated asks it to stop as the GUI's Stop
    button does: the step finishes, a resumable checkpoint is saved, the run store says "stopped" and
    the iteration ends with the done event. A second Ctrl-C aborts. Leaving the loop early (break,
    an exception) stops the run the same way, so the store never shows a run "running" that is not.
    `control` (pause, resume, stop) is the GUI buttons' handle, for another thread or a callback.
    """

    def __init__(self, config: TrainConfig, resume: str | None, overrides: dict[str, Any]) -> None:
        from .core.trainer import TrainControl

        self.config, self.resume_ref, self.overrides = config, resume, overrides
        self.control = TrainControl()
        self.done: DoneEvent | None = None
        self._started = False

    def __iter__(self) -> Iterator[Event]:
        if self._started:
            raise StudioError("this run has already been iterated: call train(...) again for a new run")
        self._started = True
        return self._events()

    def _open(self) -> Iterator[Event]:
        if self.config.baseline and not self.resume_ref:
            from .core.baseline import train_with_baseline

            return train_with_baseline(self.config, self.control)
        from .core.trainer import train as core_train

        return core_train(self.config, self.control, resume=self.resume_ref, overrides=self.overrides)

    def _events(self) -> Iterator[Event]:
        from .core.events import DoneEvent

        events = self._open()
        try:
            with stop_on_signals(self.control) as started:
                for event in calling_on_start(events, started):
                    if isinstance(event, DoneEvent):
                        self.done = event
                    yield event
        finally:
            if self.done is None:  # left early: stop as Stop does, saving a resumable checkpoint
                self.control.stop()
                for _ in events:
                    pass
            events.close()

    def run(self) -> DoneEvent:
        """Train to the end and return the done event; a failed run raises StudioError with its message."""
        from .core.events import ErrorEvent

        for event in self:
            if isinstance(event, ErrorEvent):
                raise StudioError(event.message)
        if self.done is None:
            raise StudioError("the run ended without a result")
        return self.done


def train(text: str | Path | Sequence[str | Path] | None = None, config: TrainConfig | None = None, *,
          resume: str | None = None, **options: Any) -> Training:
    """A training run, started when iterated (or by `.run()`).

    `text`: the training text (files or folders). `config`: a TrainConfig to start from; keyword
    `options` are its fields and its model's (`max_steps=200, hidden_size=256`). With no budget
    (epochs, max_steps, time_budget) one epoch is trained (`TrainConfig.fill_budget`, applied when the
    run opens, for every front door). `resume`: the id,
    name or folder of a stopped run to continue; budget options then extend it.
    """
    merged = _keep_threads(_config(config, text, options))
    overrides = {k: options[k] for k in _BUDGETS if options.get(k) is not None}
    return Training(merged, resume, overrides)


def load_model(ref: str | Path, device: str = "cpu") -> LoadedModel:
    """A model folder, a run (id, name or folder: its best checkpoint) or a bundled model's name."""
    from .core.checkpoint import load_model as core_load

    return core_load(ref, device)


def _loaded(model: Any) -> LoadedModel:
    return model if hasattr(model, "tokenizer") else load_model(model)


def generate(model: Any, prompt: str, *, max_tokens: int = 100, temperature: float = 1.0, top_k: int = 0,
             top_p: float = 1.0, repetition_penalty: float = 1.0, stop_at: str | None = None,
             seed: int | None = None) -> str:
    """The continuation of `prompt` (without the prompt), as `rnnlm-studio generate` samples it."""
    from .core.sampling import generate as core_generate
    from .core.sampling_options import SamplingOptions

    options = SamplingOptions(max_tokens=max_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                              repetition_penalty=repetition_penalty, stop_at=stop_at, seed=seed)
    return "".join(core_generate(_loaded(model), prompt, options))


def complete(model: Any, prompt: str, k: int = 5, phrase_words: int = 3) -> Suggestions:
    """The k most probable next words (a half-typed word is completed) and a ghost phrase."""
    from .core.autocomplete import Autocompleter

    loaded = _loaded(model)
    return Autocompleter(loaded.model, loaded.tokenizer).suggest(prompt, k, phrase_words=phrase_words)


def evaluate(model: Any, text: str | Path | Sequence[str | Path], device: str = "auto") -> dict[str, float]:
    """Loss, token/word perplexity and bits per byte of `text`, as `rnnlm-studio eval --json` reports."""
    from .core.evaluate import evaluate_text

    ref = model.path if hasattr(model, "tokenizer") else model  # a loaded model: its folder
    texts = [text] if isinstance(text, (str, Path)) else text
    return evaluate_text(str(ref), [str(t) for t in texts], device=device)


def predict(model: Any, texts: str | Sequence[str]) -> list[Prediction]:
    """Each text's label and label probabilities (a tagger's: each token's tag), as `rnnlm-studio predict`
    gives them. `model`: a task run (id, name or folder) or its model folder, or what `load_task_model` gave."""
    from .core.predict import load_task_model
    from .core.predict import predict as core_predict

    loaded = model if hasattr(model, "labels") else load_task_model(model)
    return core_predict(loaded, [texts] if isinstance(texts, str) else list(texts))


def _axis_text(value: Any) -> str:
    """An axis value as `study --axis` spells it: layer lists joined with '+', numbers as typed."""
    if isinstance(value, (list, tuple)):
        return "+".join(str(v) for v in value) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


class Study:
    """A study (see `study`): iterate it for the events `study --json` prints, or `run()` it to the end.
    Ctrl-C while it is iterated, or leaving the loop early, stops it: running runs stop with a
    checkpoint, and `study(resume=NAME)` trains what is left."""

    def __init__(self, opened: Any) -> None:
        self._study = opened
        self.control = opened.control
        self.done: Any = None

    @property
    def name(self) -> str:
        return self._study.spec.name

    def __iter__(self) -> Iterator[Event]:
        from .core.study_runner import StudyDoneEvent

        events = self._study.events()
        try:
            with stop_on_signals(self.control) as started:
                started()
                for event in events:
                    if isinstance(event, StudyDoneEvent):
                        self.done = event
                    yield event
        finally:
            events.close()  # left early: the running runs stop with a checkpoint

    def run(self) -> Any:
        """Run to the end and return the study_done event (`.cells`: one summary per cell)."""
        for _event in self:
            pass
        return self.done


def study(text: str | Path | Sequence[str | Path] | None = None, config: TrainConfig | None = None, *,
          axes: dict[str, Sequence[Any]] | None = None, repeats: int = 1, jobs: int = 1, backend: str = "local",
          address: str | None = None, name: str | None = None, resume: str | None = None,
          **options: Any) -> Study:
    """A study, as `rnnlm-studio study` runs one: every cell of the grid over `axes` (one or two of
    transfer, fraction, freeze, transfer-layers, source, lr, mapping: `{"fraction": [0.1, 1.0]}`),
    `repeats` seeds each, paired with matched scratch baselines; each run a child process, `jobs`
    at a time. `text`, `config` and `options` are the runs' settings as for `train`.
    `resume`: the name of a stopped study, to train its unfinished runs (other arguments but `jobs`
    are then taken from the study)."""
    from .core.study import StudySpec, default_study_name, parse_axis
    from .core.study_runner import resume_study, start_study

    if resume:
        return Study(resume_study(resume, jobs=jobs))
    if not axes:
        raise ConfigError("a study needs axes, e.g. axes={'fraction': [0.1, 1.0]}")
    merged = _config(config, text, options)
    merged.baseline, merged.name = False, None
    parsed = [parse_axis(f"{axis}={','.join(_axis_text(v) for v in values)}") for axis, values in axes.items()]
    spec = StudySpec(name=name or default_study_name(), base=merged.to_dict(), axes=parsed, repeats=repeats,
                     jobs=jobs, backend=backend, address=address)
    return Study(start_study(spec))
