"""`--baseline`: a transfer run and its matched scratch run, linked in the run store.

The scratch run gets the same data, the same budget, the same target tokenizer and the
same architecture, so the only difference is where the weights start. The transfer run's
`done` event is held back until the baseline has finished, so that the last line carries
the comparison.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .compare import curve_from_events, transfer_gain
from .config import TrainConfig
from .errors import StudioError
from .events import DoneEvent, Event, LogEvent, StartEvent
from .runs import RunStore, read_events
from .trainer import TrainControl, train


def baseline_config(config: TrainConfig, transfer_name: str | None = None) -> TrainConfig:
    """Scratch twin of a transfer config; it keeps the source only to borrow its tokenizer.
    It is named after the transfer run, so the two sit side by side in the run list."""
    base = dataclasses.replace(config, transfer="scratch", baseline=False, transfer_layers=[], freeze=[],
                               model=dataclasses.replace(config.model),
                               name=f"{transfer_name or config.name or 'run'}-scratch-baseline")
    if config.tokenizer in ("auto", "source"):
        base.tokenizer = "source"
    return base


def train_with_baseline(config: TrainConfig, control: TrainControl | None = None) -> Iterator[Event]:
    control = control or TrainControl()
    transfer_events = train(config, control)
    first = next(transfer_events)
    yield first
    if not isinstance(first, StartEvent):
        return
    done_transfer: DoneEvent | None = None
    for event in transfer_events:
        if isinstance(event, DoneEvent):
            done_transfer = event
            continue
        yield event
    if done_transfer is None:
        return
    if control.stopped:  # Stop ends the whole job: a baseline started now would stop at once, untrained
        yield LogEvent(level="info", message="stopped: the matched scratch baseline was not trained")
        yield done_transfer
        return
    store = RunStore()
    base = baseline_config(config, store.get(first.run_id).name)
    base.model = TrainConfig.from_dict(first.config).model
    yield LogEvent(level="info", message="training the matched scratch baseline")
    done_base: DoneEvent | None = None
    for event in train(base, control):
        if isinstance(event, DoneEvent):
            done_base = event
        yield event
    if done_base is None:
        yield done_transfer
        return
    store.link_baseline(done_transfer.run_id, done_base.run_id)
    figures = _gain_figures(store, done_transfer, done_base)
    yield LogEvent(level="info" if figures["gain"] is not None else "warning", message=figures["message"])
    if figures["gain"] is not None:
        record = store.get(done_transfer.run_id)
        store.update(record.id, final={**record.final, "gain": figures})
    done_transfer.baseline = {"run_id": done_base.run_id, "valid": done_base.valid, "test": done_base.test,
                              **figures}
    yield done_transfer


def _gain_figures(store: RunStore, transfer: DoneEvent, base: DoneEvent) -> dict:
    """The gain the done event and the run store carry (gain = bits saved). Two runs that trained well but
    cannot be compared are not a failed job: the message says why, and the gain is None."""
    curves = [curve_from_events(done.run_id, store.get(done.run_id).name, read_events(done.run_dir))
              for done in (transfer, base)]
    try:
        gain = transfer_gain(*curves)
    except StudioError as exc:
        return {"gain": None, "word_ppl_ratio": None, "gain_tokens": None, "negative": False,
                "message": f"no transfer gain: {exc}"}
    return {"gain": gain.gain, "word_ppl_ratio": gain.word_ppl_ratio, "gain_tokens": gain.tokens,
            "negative": gain.negative, "message": gain.message}
