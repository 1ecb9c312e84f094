"""The data-efficiency curve: scratch and transfer at several fractions of the target data.

Each fraction keeps the first share of the training lines (whole lines, so word and byte
counts stay exact) and the same validation text, so the only thing that changes along
the curve is how much target text the runs see.
"""
from __future__ import annotations

import math

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .config import TrainConfig
from .corpus import Corpus, TextSource, split_corpus
from .errors import ConfigError
from .events import DoneEvent, Event, LogEvent
from .trainer import TrainControl, train


@dataclass
class CurvePoint:
    fraction: float
    train_bytes: int
    scratch_word_ppl: float
    transfer_word_ppl: float

    @property
    def gain(self) -> float:
        return 1.0 - self.transfer_word_ppl / self.scratch_word_ppl


def parse_fractions(text: str) -> list[float]:
    try:
        values = sorted(float(x) for x in text.split(","))
    except ValueError:
        raise ConfigError(f"--fractions {text!r} must be comma-separated numbers in (0, 1], e.g. 0.01,0.1,1.0")
    if not values or not all(math.isfinite(v) for v in values) or values[0] <= 0 or values[-1] > 1:
        raise ConfigError(f"--fractions {text!r}: every fraction must be in (0, 1]")
    return values


def _write_lines(source: TextSource, path: Path, limit_bytes: int | None = None) -> int:
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        for line in source.iter_lines():
            size = len(line.encode("utf-8")) + 1
            if limit_bytes is not None and written + size > limit_bytes and written > 0:
                break
            handle.write(line + "\n")
            written += size
    return written


def materialise(config: TrainConfig, fractions: list[float]) -> tuple[Path, list[tuple[float, Path, int]]]:
    """Validation file plus one training file per fraction, in the cache folder."""
    corpus = Corpus.open(config.train)
    key = hashlib.sha256(f"{corpus.fingerprint()}:{config.valid}:{config.split}:{config.split_seed}".encode())
    folder = paths.cache_dir() / f"curve-{key.hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    if config.valid:
        valid, train_source = Path(config.valid), corpus
    else:
        parts = split_corpus(corpus, config.split, config.split_seed)
        valid, train_source = folder / "valid.txt", parts["train"]
        _write_lines(parts["valid"], valid)
    total = train_source.stats().bytes
    files = []
    for fraction in fractions:
        path = folder / f"train-{fraction:g}.txt"
        size = _write_lines(train_source, path, None if fraction >= 1 else int(total * fraction))
        files.append((fraction, path, size))
    return valid, files


def transfer_curve(config: TrainConfig, fractions: list[float], control: TrainControl | None = None,
                   points: list[CurvePoint] | None = None) -> Iterator[Event]:
    """Yields every run's events; appends one CurvePoint per fraction to `points`."""
    if config.transfer == "scratch" or not config.source:
        raise ConfigError("transfer-curve needs --source MODEL and a --transfer type other than scratch")
    valid, files = materialise(config, fractions)
    points = points if points is not None else []
    for fraction, path, size in files:
        results = {}
        for kind in ("scratch", config.transfer):
            run_config = dataclasses.replace(config, train=[str(path)], valid=str(valid), transfer=kind,
                                             model=dataclasses.replace(config.model),
                                             tokenizer="source" if kind == "scratch" else config.tokenizer,
                                             name=f"curve-{fraction:g}-{kind}")
            for event in train(run_config, control):
                if isinstance(event, DoneEvent):
                    results[kind] = event.valid["word_ppl"]
                yield event
        if len(results) < 2:
            return
        point = CurvePoint(fraction, size, results["scratch"], results[config.transfer])
        points.append(point)
        yield LogEvent(level="info", message=f"fraction {fraction:g} ({size:,} bytes): scratch word ppl "
                                             f"{point.scratch_word_ppl:.1f}, {config.transfer} "
                                             f"{point.transfer_word_ppl:.1f}, gain {point.gain:+.1%}")


def format_curve(points: list[CurvePoint], transfer: str) -> str:
    header = f"{'fraction':>9} {'bytes':>12} {'scratch':>10} {transfer:>10} {'gain':>8}"
    rows = [f"{p.fraction:>9g} {p.train_bytes:>12,} {p.scratch_word_ppl:>10.1f} {p.transfer_word_ppl:>10.1f} "
            f"{p.gain:>+8.1%}" for p in points]
    return "\n".join([header, *rows])
