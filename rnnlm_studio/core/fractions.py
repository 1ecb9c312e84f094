"""Shares of the target data: the training text cut to a fraction of its bytes, for data-efficiency
studies (the `fraction` axis of a study, and `transfer-curve`).

Each fraction keeps the first share of the training lines (whole lines, so word and byte counts
stay exact) and the same validation text, so the only thing that changes along the curve is how
much target text the runs see. The files go to the cache folder under a key of the text, so a
resumed study finds the same files.
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

from . import paths
from .atomic import atomic_write
from .config import TrainConfig
from .corpus import Corpus, TextSource, split_corpus
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


def materialise(config: TrainConfig, fractions: list[float]) -> tuple[Path, list[tuple[float, Path, int]]]:
    """Validation file plus one training file per fraction (with its size in bytes), in the cache folder."""
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
