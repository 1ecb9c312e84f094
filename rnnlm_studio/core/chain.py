"""`--multi-source chain`: sequential transfer, A -> B -> ... -> the target.

The first source is the model the chain starts from; every later source is a stage: the model
so far is fine-tuned on that source's text (a text file or folder, or a run of this store, whose
training text is used), and the last stage fine-tunes on the target's own text. Each stage is an
ordinary run through the one run loop (`train_one` is `core.trainer.train`, handed in so that
this module needs nothing of the trainer), started from the previous stage's best checkpoint,
with the run's transfer type and budget. Stages are linked in the run store by their `source`
(the previous stage's run id), and the target's row records the whole lineage in `final`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

from . import paths
from . import checkpoint as ckpt
from .config import TrainConfig
from .errors import StudioError, TransferError, option
from .events import DoneEvent, ErrorEvent, Event, LogEvent
from .run_loop import TrainControl
from .runs import RunRecord, RunStore

TrainOne = Callable[[TrainConfig, TrainControl], Iterator[Event]]


def stage_text(ref: str, store: RunStore) -> list[str]:
    """The training text of a chain stage: the text itself, or the text its run was trained on."""
    path = paths.user_path(ref)
    if path.exists() and not (path / ckpt.CONFIG).is_file() and not (path / "run.toml").is_file():
        return [str(path)]
    record = _stage_run(ref, path, store)
    if record is not None and (record.run_dir / "run.toml").is_file():
        train = TrainConfig.load(record.run_dir / "run.toml").train
        if train and all(Path(item).exists() for item in train):
            return train
    raise TransferError(f"{option('multi_source')} chain: {ref} names no training text this machine can read; give "
                        "each source after the first as a text file or folder, or as a run of this store whose "
                        "training text is still there")


def _stage_run(ref: str, path: Path, store: RunStore) -> RunRecord | None:
    """The run behind a stage reference: a run (id, name, folder) or a model folder a run wrote."""
    if (path / ckpt.CONFIG).is_file():
        ref = str((ckpt.read_config(path).get("provenance") or {}).get("run_id") or ref)
    try:
        return store.find(ref)
    except StudioError:
        return None


def chain_stages(config: TrainConfig, store: RunStore) -> list[TrainConfig]:
    """One ordinary run config per stage; the sources of the later ones are filled in as the chain runs."""
    name = config.name or "chain"
    plain = dict(extra_sources=[], multi_source=None, source_weights=[], baseline=False)
    stages = [dataclasses.replace(config, train=stage_text(ref, store), valid=None, test=None, tokenizer="source",
                                  name=f"{name}-stage-{i + 1}", **plain)
              for i, ref in enumerate(config.extra_sources)]
    return [*stages, dataclasses.replace(config, **plain)]


def train_chain(config: TrainConfig, control: TrainControl, train_one: TrainOne) -> Iterator[Event]:
    """Run the stages in order; a stage that fails or is stopped ends the chain there."""
    store = RunStore()
    try:
        config.validate()
        stages = chain_stages(config, store)
    except StudioError as exc:
        yield ErrorEvent(message=str(exc))
        return
    lineage: list[str] = []
    for number, stage in enumerate(stages, 1):
        if lineage:
            stage.source = lineage[-1]
        last = number == len(stages)
        done = None
        for event in train_one(stage, control):
            if isinstance(event, DoneEvent):
                done = event
                if not last:
                    yield LogEvent(level="info", message=_stage_line(number, len(stages), stage, event))
                    continue
            yield event
        if done is None:
            return
        lineage.append(done.run_id)
        if done.reason == "stopped" and not last:
            return
    record = store.get(lineage[-1])
    store.update(record.id, final={**record.final, "lineage": lineage})


def _stage_line(number: int, total: int, stage: TrainConfig, done: DoneEvent) -> str:
    bpb = done.valid.get("bpb")
    figure = f", valid {bpb:.3f} bits/byte" if bpb is not None else ""
    return (f"chain stage {number} of {total} done: run {done.run_id} fine-tuned {stage.source} on "
            f"{', '.join(stage.train)}{figure}; the next stage starts from it")

