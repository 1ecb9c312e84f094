"""Which task kind a `--transfer task` run is, read from its data: the one place that knows every kind.

A file laid out as `token<TAB>label` lines with blank lines between sentences trains a tagger
(core/tagging.py); class folders and `label`/`text` tables train a classifier (core/classify.py).
The layouts cannot be mistaken for each other (a table has a `label`/`text` header and texts with
spaces; a tagging file has neither), so no option is needed to choose.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .classify import CLASSIFY, LoadedClassifier, TaskKind, load_classifier, train_task as run_task
from .config import TrainConfig
from .errors import ConfigError, StudioError
from .events import ErrorEvent, Event
from .run_loop import TrainControl
from .tagging import TAG, is_tagged_file

KINDS: dict[str, TaskKind] = {kind.name: kind for kind in (CLASSIFY, TAG)}


def task_kind(config: TrainConfig) -> TaskKind:
    """TAG when the training files are tagging files, CLASSIFY otherwise; one run trains one head, so a
    mixture of the two layouts is refused."""
    tagged = {is_tagged_file(path) for path in config.train}
    if len(tagged) > 1:
        raise ConfigError("--train mixes tagging files (token<TAB>label lines) with labelled texts; a task run "
                          "trains either a tagger or a classifier: give files of one layout")
    return TAG if tagged == {True} else CLASSIFY


def train_task(config: TrainConfig, control: TrainControl | None = None, *, pretrained: bool = True
               ) -> Iterator[Event]:
    """A task run (or, pretrained=False, its scratch twin) of the kind its data calls for; never raises
    for bad input."""
    try:
        kind = task_kind(config)
    except StudioError as exc:
        yield ErrorEvent(message=str(exc))
        return
    yield from run_task(config, control, pretrained=pretrained, kind=kind)


def load_task(folder: str | Path, device: str = "cpu") -> LoadedClassifier:
    """A classifier's or tagger's checkpoint, whichever its labels file says it is."""
    return load_classifier(folder, device, KINDS)
