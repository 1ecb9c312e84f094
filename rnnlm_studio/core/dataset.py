"""From a run's config to token arrays: open corpora, split, tokenizer, encode.

Kept apart from the training loop because the GUI's preview, the transfer-curve command
and the trainer all need the same preparation, and because every refusal here happens
before a run folder exists (bad input changes nothing on disk).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from . import paths
from .config import AUTO_VOCAB, TrainConfig
from .corpus import Corpus, TextSource, data_layout, split_corpus
from .errors import CorpusError
from .stream import TokenArray, encode_source
from .tokenizer import Tokenizer, auto_vocab_size


@dataclass
class Dataset:
    tokenizer: Tokenizer
    train: TokenArray
    valid: TokenArray
    test: TokenArray | None
    train_bytes: int
    warnings: list[str] = field(default_factory=list)


def open_sources(config: TrainConfig) -> tuple[TextSource, TextSource, TextSource | None, list[str]]:
    """Explicit --valid/--test files win, then the files of a folder laid out by role (`train.txt`,
    `valid.txt`, `test.txt`); otherwise the training text is split deterministically."""
    layout = data_layout(config.train)
    train = Corpus.open(layout.train)
    warnings = layout.notes + train.warnings
    valid_paths = [config.valid] if config.valid else layout.valid
    test_paths = [config.test] if config.test else layout.test
    if valid_paths:
        valid = Corpus.open(valid_paths)
        test = Corpus.open(test_paths) if test_paths else None
        warnings += valid.warnings + (test.warnings if test else [])
        return train, valid, test, warnings
    parts = split_corpus(train, config.split, config.split_seed)
    test = Corpus.open(test_paths) if test_paths else parts["test"]
    return parts["train"], parts["valid"], test, warnings


def cached_tokenizer(source: TextSource, kind: str, vocab_size: int) -> tuple[Tokenizer, list[str]]:
    """Training a tokenizer takes seconds to minutes; the same text and settings reuse it.
    AUTO_VOCAB (no size chosen) gets a size that follows the text's (`auto_vocab_size`)."""
    if vocab_size == AUTO_VOCAB:
        vocab_size = auto_vocab_size(source.stats().bytes)
    key = hashlib.sha256(f"{source.fingerprint()}:{kind}:{vocab_size}".encode()).hexdigest()[:32]
    path = paths.cache_dir() / f"tokenizer-{key}.model"
    note = path.with_suffix(".warnings")
    if path.is_file():
        warnings = note.read_text(encoding="utf-8").splitlines() if note.is_file() else []
        return Tokenizer.load(path), warnings
    tokenizer, warnings = Tokenizer.train(source, kind, vocab_size)
    tokenizer.save(path)
    note.write_text("\n".join(warnings), encoding="utf-8")
    return tokenizer, warnings


def prepare_dataset(config: TrainConfig, source_tokenizer: Tokenizer | None = None) -> Dataset:
    train, valid, test, warnings = open_sources(config)
    if source_tokenizer is not None:
        tokenizer = source_tokenizer
    else:
        tokenizer, tok_warnings = cached_tokenizer(train, config.tokenizer_kind, config.model.vocab_size)
        warnings += tok_warnings
    cache = paths.cache_dir()
    arrays = [encode_source(tokenizer, s, cache) if s is not None else None for s in (train, valid, test)]
    for name, array in zip(("validation", "test"), arrays[1:]):
        if array is not None and len(array) < 2:
            raise CorpusError(f"the {name} text is too short to measure anything: give at least a few lines")
    return Dataset(tokenizer=tokenizer, train=arrays[0], valid=arrays[1], test=arrays[2],
                   train_bytes=train.stats().bytes, warnings=warnings)

