"""`--baseline`: a transfer run and its matched scratch run, linked in the run store.

The scratch run gets the same data, the same budget, the same target tokenizer and the
same architecture, so the only difference is where the weights start. A task run's twin is the
same classifier (architecture, tokenizer, head, data, budget) with a randomly initialised encoder.

The baseline trains first, so that the transfer run can be held against it while it trains:
when the transfer's validation is worse than the baseline's at the same tokens seen for
`BEHIND_EVALS` evaluations in a row, a warning (a `log` event, level "warning") says so at once,
not only at the end. The two runs share the evaluation points (same data, batch and budget), so
the comparison is point against point. The transfer run's `done` event comes last, carrying the
comparison. Without --baseline there is no scratch run to compare with, and no early warning.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from . import checkpoint as ckpt
from .compare import Curve, curve_from_events, transfer_gain, value_at
from .config import TrainConfig
from .errors import StudioError
from .events import DoneEvent, ErrorEvent, EvalEvent, Event, LogEvent, StartEvent
from .runs import RunStore, default_name, read_events
from .tasks import train_task
from .trainer import TrainControl, train
from .transfer import target_architecture

BEHIND_EVALS = 2  # evaluations in a row behind the baseline before the warning


def baseline_config(config: TrainConfig, transfer_name: str | None = None) -> TrainConfig:
    """Scratch twin of a transfer config; it keeps the source only to borrow its tokenizer.
    It is named after the transfer run, so the two sit side by side in the run list."""
    task = config.transfer == "task"  # a classifier's twin is the same classifier with a random encoder
    base = dataclasses.replace(config, transfer="task" if task else "scratch", baseline=False, transfer_layers=[],
                               freeze=[], feature_layer=None, extra_sources=[], multi_source=None,
                               source_weights=[], mapping="none", rank=None,
                               model=dataclasses.replace(config.model),
                               name=f"{transfer_name or config.name or 'run'}-scratch-baseline")
    if config.tokenizer in ("auto", "source"):
        base.tokenizer = "source"
    return base


def matched_baseline(config: TrainConfig) -> TrainConfig:
    """The baseline's config before the transfer run exists: named as the transfer run will be, with the
    architecture the transfer target will have (a task twin takes its source's encoder by itself)."""
    name = config.name.strip() if config.name and config.name.strip() else default_name(config.to_dict(),
                                                                                          config.transfer)
    base = baseline_config(config, name)
    if config.transfer not in ("task", "scratch") and config.source:
        source = ckpt.load_model(config.source)
        probe = dataclasses.replace(config, model=dataclasses.replace(config.model))
        base.model = target_architecture(probe, source.tokenizer, source)
    return base


def warn_when_behind(events: Iterable[Event], baseline: Curve | None) -> Iterator[Event]:
    """The transfer run's events, with a warning after `BEHIND_EVALS` validations in a row worse than the
    baseline's at the same tokens seen (bits per byte; accuracy for a task run); again after a recovery."""
    streak = 0
    for event in events:
        yield event
        if baseline is None or not isinstance(event, EvalEvent) or event.split != "valid" or event.extra.get("final"):
            continue
        task = "accuracy" in event.extra
        theirs = value_at(baseline, event.tokens_seen, "accuracy" if task else "bpb")
        if theirs is None:
            continue
        ours = event.extra["accuracy"] if task else event.bpb
        streak = streak + 1 if (ours < theirs if task else ours > theirs) else 0
        if streak == BEHIND_EVALS:
            figures = (f"accuracy {ours:.1%} against {theirs:.1%}" if task
                       else f"{ours:.3f} against {theirs:.3f} bits per byte")
            yield LogEvent(level="warning", message=(
                f"negative transfer so far: validation is worse than the scratch baseline's at the same tokens seen "
                f"for {BEHIND_EVALS} evaluations in a row ({figures} at {event.tokens_seen:,} tokens); the source "
                "may not suit this text: consider ulmfit, more target data, or no transfer"))


def _train_any(config: TrainConfig, control: TrainControl) -> Iterator[Event]:
    return train_task(config, control, pretrained=False) if config.transfer == "task" else train(config, control)


def train_with_baseline(config: TrainConfig, control: TrainControl | None = None) -> Iterator[Event]:
    control = control or TrainControl()
    try:
        base = matched_baseline(config)
    except StudioError as exc:
        yield ErrorEvent(message=str(exc))
        return
    yield LogEvent(level="info", message="training the matched scratch baseline first, so that the transfer run "
                                         "can be compared with it while it trains")
    done_base: DoneEvent | None = None
    started = False
    for event in _train_any(base, control):
        started = started or isinstance(event, StartEvent)
        done_base = event if isinstance(event, DoneEvent) else done_base
        yield event
    if not started or control.stopped:  # bad input is reported once; a stop ends both runs
        return
    if done_base is None:
        yield LogEvent(level="warning", message="the scratch baseline failed: the transfer run trains without it")
    curve = curve_from_events(done_base.run_id, "scratch", read_events(done_base.run_dir)) if done_base else None
    done_transfer: DoneEvent | None = None
    for event in warn_when_behind(train(config, control), curve):
        if isinstance(event, DoneEvent):
            done_transfer = event
            continue
        yield event
    if done_transfer is None:
        return
    if done_base is not None:
        yield _link(done_transfer, done_base)
    yield done_transfer


def _link(done_transfer: DoneEvent, done_base: DoneEvent) -> LogEvent:
    """Link the two runs in the store and put the comparison into the transfer run's done event; the
    comparison's message, or why there is none (a warning: two runs that trained well but cannot be
    compared are not a failed job)."""
    store = RunStore()
    store.link_baseline(done_transfer.run_id, done_base.run_id)
    figures = _gain_figures(store, done_transfer, done_base)
    if figures["gain"] is not None:
        record = store.get(done_transfer.run_id)
        store.update(record.id, final={**record.final, "gain": figures})
    done_transfer.baseline = {"run_id": done_base.run_id, "valid": done_base.valid, "test": done_base.test,
                              **figures}
    return LogEvent(level="info" if figures["gain"] is not None else "warning", message=figures["message"])


def _gain_figures(store: RunStore, transfer: DoneEvent, base: DoneEvent) -> dict:
    """The gain the done event and the run store carry (gain = bits saved), or None with the reason."""
    curves = [curve_from_events(done.run_id, store.get(done.run_id).name, read_events(done.run_dir))
              for done in (transfer, base)]
    try:
        gain = transfer_gain(*curves)
    except StudioError as exc:
        return {"gain": None, "word_ppl_ratio": None, "gain_tokens": None, "negative": False,
                "message": f"no transfer gain: {exc}"}
    return {"gain": gain.gain, "word_ppl_ratio": gain.word_ppl_ratio, "gain_tokens": gain.tokens,
            "negative": gain.negative, "message": gain.message}
