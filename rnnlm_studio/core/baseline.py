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
from .events import DoneEvent, Event, LogEvent, StartEvent
from .runs import RunStore, read_events
from .trainer import TrainControl, train


def baseline_config(config: TrainConfig, transfer_name: str | None = None) -> TrainConfig:
    """Scratch twin of a transfer config; it keeps the source only to borrow its tokenizer.
    It is named after the transfer run, so the two sit side by side in the run list."""
    base = dataclasses.replace(config, transfer="scratch", baseline=False, transfer_layers=[], freeze=[],
                               extra_sources=[], multi_source=None, source_weights=[], mapping="none", rank=None,
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
    gain = transfer_gain(curve_from_events(done_transfer.run_id, "transfer", read_events(done_transfer.run_dir)),
                         curve_from_events(done_base.run_id, "scratch", read_events(done_base.run_dir)))
    yield LogEvent(level="info", message=gain.message)
    figures = {"gain": gain.gain, "word_ppl_ratio": gain.word_ppl_ratio,  # gain = bits saved
               "gain_tokens": gain.tokens, "negative": gain.negative, "message": gain.message}
    record = store.get(done_transfer.run_id)
    store.update(record.id, final={**record.final, "gain": figures})
    done_transfer.baseline = {"run_id": done_base.run_id, "valid": done_base.valid, "test": done_base.test,
                              **figures}
    yield done_transfer
