"""Shares of the target data: the training text cut to a fraction of its bytes, for data-efficiency
studies (the `fraction` axis of a study, and `transfer-curve`).

Each fraction keeps the first share of the training lines (whole lines, so word and byte counts
stay exact) and the same validation and test texts, so the only thing that changes along the curve
is how much target text the runs see. The files go to the cache folder under a key of the text, so a
resumed study finds the same files.
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

from . import paths
from .atomic import atomic_write
from .config import TrainConfig
from .corpus import TextSource
from .errors import ConfigError


def parse_fractions(text: str, flag: str = "--fractions") -> list[float]:
    try:
        values = sorted(float(x) for x in text.split(","))
    except ValueError:
        raise ConfigError(f"{flag} {text!r} must be comma-separated numbers in (0, 1], e.g. 0.01,0.1,1.0")
    if not values or not all(math.isfinite(v) for v in values) or values[0] <= 0 or values[-1] > 1:
        raise ConfigError(f"{flag} {text!r}: every fraction must be in (0, 1]")
    return values


def _write_lines(source: TextSource, path: Path, limit_bytes: int | None = None) -> int:
    """The first whole lines of `source` up to `limit_bytes`, replacing `path` atomically: each plan
    writes the shares again while another study's runs may be reading them, and one that opened a
    half-written file would train on a cut text without a word."""
    written = 0

    def write(tmp: Path) -> None:
        nonlocal written
        with open(tmp, "w", encoding="utf-8") as handle:
            for line in source.iter_lines():
                size = len(line.encode("utf-8")) + 1
                if limit_bytes is not None and written + size > limit_bytes and written > 0:
                    break
                handle.write(line + "\n")
                written += size

    atomic_write(path, write)
    return written


def materialise(config: TrainConfig, fractions: list[float]) -> tuple[Path, Path | None, list[tuple[float, Path, int]]]:
    """The validation text, the test text (None: the run's own --test stands) and one training file per
    fraction (with its size in bytes), in the cache folder.

    The texts are taken apart as a run takes them apart (core/dataset.open_sources): a folder laid out
    by role gives its valid.* and test.* files those roles, so they never reach a share, and a split's
    test part is kept, so the figures are of held-out text, not of the text that chose the checkpoint.
    """
    from .dataset import open_sources  # tokenizer libraries: not for the command line's parser

    train, valid_source, test_source, _warnings = open_sources(config)
    texts = f"{train.fingerprint()}:{valid_source.fingerprint()}:{test_source.fingerprint() if test_source else ''}"
    folder = paths.cache_dir() / f"curve-{hashlib.sha256(texts.encode()).hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    valid = Path(config.valid) if config.valid else folder / "valid.txt"
    if not config.valid:
        _write_lines(valid_source, valid)
    test = None
    if not config.test and test_source is not None and test_source.stats().bytes:
        test = folder / "test.txt"
        _write_lines(test_source, test)
    total = train.stats().bytes
    files = []
    for fraction in fractions:
        path = folder / f"train-{fraction:g}.txt"
        size = _write_lines(train, path, None if fraction >= 1 else int(total * fraction))
        files.append((fraction, path, size))
    return valid, test, files
