"""Token ids on disk as a memory-mapped array, and the BPTT batches cut from them.

Encoding a large corpus takes minutes, so the ids are cached by (tokenizer, text)
and written atomically; training then reads batches straight from the memory map,
so a corpus far larger than RAM trains with a few megabytes of batch in memory.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from numpy.lib import format as npy_format

from .atomic import atomic_write, atomic_write_text
from .corpus import TextSource, utf8_len
from .errors import ConfigError, CorpusError, option
from .tokenizer import Tokenizer
from .words import counts as count_units, word_unit

ENCODE_LINES = 10_000  # lines per SentencePiece batch
ENCODE_CHARS = 8 << 20  # ... or fewer when lines are long, to bound memory
VAR_BPTT_SHORT = 0.05  # AWD-LSTM: a half-length window this often
VAR_BPTT_SIGMA = 5
VAR_BPTT_MIN = 5
VAR_BPTT_OVER = 20  # the longest window is bptt + this


@dataclass
class TokenArray:
    ids: np.ndarray
    n_words: int  # words of the encoded text (core/words.py: a CJK character is a word)
    n_bytes: int  # UTF-8 bytes of the encoded text, one "\n" per line
    path: Path
    n_cjk: int = 0  # how many of the words are CJK characters

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def word_unit(self) -> str:
        """What its word perplexity is per: "character" for mostly Chinese/Japanese text."""
        return word_unit(self.n_words, self.n_cjk)


# ---------------------------------------------------------------- encoding


def _npy_header(dtype: np.dtype, length: int) -> bytes:
    out = io.BytesIO()
    npy_format.write_array_header_1_0(
        out, {"descr": npy_format.dtype_to_descr(dtype), "fortran_order": False, "shape": (length,)})
    return out.getvalue()


def _line_batches(lines: Iterator[str]) -> Iterator[list[str]]:
    """Lists of lines to encode together; a line longer than ENCODE_CHARS comes alone."""
    batch: list[str] = []
    chars = 0
    for line in lines:
        if len(line) > ENCODE_CHARS and batch:
            yield batch
            batch, chars = [], 0
        batch.append(line)
        chars += len(line)
        if len(batch) >= ENCODE_LINES or chars >= ENCODE_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


@dataclass
class _Counts:
    tokens: int = 0
    words: int = 0
    bytes: int = 0
    cjk: int = 0


def _write_ids(tokenizer: Tokenizer, source: TextSource, tmp: Path, dtype: np.dtype, counts: _Counts) -> None:
    """Stream ids into an .npy whose header, written last, holds the final length.

    A 1-D header's size does not depend on the length (numpy pads it to 128 bytes),
    so a placeholder can be overwritten in place.
    """
    header_size = len(_npy_header(dtype, 0))
    eos = tokenizer.eos_id
    with open(tmp, "wb") as out:
        out.write(b"\0" * header_size)
        for batch in _line_batches(source.iter_lines()):
            if len(batch) == 1 and len(batch[0]) > ENCODE_CHARS:
                parts: Iterable[list[int]] = itertools.chain(tokenizer.encode_pieces(batch[0]), [[eos]])
            else:
                parts = [list(itertools.chain.from_iterable(ids + [eos] for ids in tokenizer.encode_many(batch)))]
            for ids in parts:
                out.write(np.asarray(ids, dtype=dtype).tobytes())
                counts.tokens += len(ids)
            for line in batch:
                words, cjk = count_units(line)
                counts.words += words
                counts.cjk += cjk
            counts.bytes += sum(utf8_len(line) + 1 for line in batch)
        header = _npy_header(dtype, counts.tokens)
        if len(header) != header_size:
            raise RuntimeError("numpy header size changed with the array length")
        out.seek(0)
        out.write(header)


def _load_ids(path: Path) -> np.ndarray:
    ids = np.load(path, mmap_mode="r", allow_pickle=False)
    if ids.ndim != 1:
        raise ValueError(f"expected a 1-D array, got shape {ids.shape}")
    return ids


def _cached(npy: Path, meta: Path) -> TokenArray | None:
    """The cached array if both files are there and agree; anything else is a miss (so is a cache
    from before CJK characters counted as words, which has no "n_cjk")."""
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        ids = _load_ids(npy)
        if len(ids) != info["n_tokens"]:
            return None
        return TokenArray(ids=ids, n_words=int(info["n_words"]), n_bytes=int(info["n_bytes"]), path=npy,
                          n_cjk=int(info["n_cjk"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cache_key(tokenizer: Tokenizer, source: TextSource) -> str:
    return hashlib.sha256((tokenizer.fingerprint() + source.fingerprint()).encode()).hexdigest()


def encode_source(tokenizer: Tokenizer, source: TextSource, cache_dir: Path) -> TokenArray:
    """Each line's ids then eos_id, as a memory-mapped array cached under `cache_dir`."""
    cache_dir = Path(cache_dir)
    key = cache_key(tokenizer, source)
    npy, meta = cache_dir / f"{key}.npy", cache_dir / f"{key}.json"
    if (hit := _cached(npy, meta)) is not None:
        return hit
    dtype = np.dtype(np.uint16 if tokenizer.vocab_size <= 65535 else np.uint32)
    counts = _Counts()
    atomic_write(npy, lambda tmp: _write_ids(tokenizer, source, tmp, dtype, counts))
    atomic_write_text(meta, json.dumps(
        {"n_tokens": counts.tokens, "n_words": counts.words, "n_bytes": counts.bytes, "n_cjk": counts.cjk,
         "tokenizer": tokenizer.fingerprint(), "source": source.fingerprint()}))
    return TokenArray(ids=_load_ids(npy), n_words=counts.words, n_bytes=counts.bytes, path=npy, n_cjk=counts.cjk)


# ---------------------------------------------------------------- batches


def min_tokens_needed(batch_size: int, bptt: int, world_size: int = 1) -> int:
    """One batch: every row of every process needs bptt inputs plus one target beyond."""
    return batch_size * world_size * (bptt + 1)


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ConfigError(f"--{name.replace('_', '-')} is {value}: it must be at least 1")


def _to_tensors(block: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) int64 from a [rows, T+1] slice; only this slice is read from the memory map."""
    data = torch.from_numpy(np.asarray(block, dtype=np.int64))
    return data[:, :-1].contiguous(), data[:, 1:].contiguous()


class BPTTBatcher:
    """Classic batchify: the stream is cut into contiguous rows and each batch continues the last.

    Row i of batch k+1 starts where row i of batch k ended, so the trainer can carry the
    hidden state across batches. With several processes the rows are dealt out by rank.
    With `var_bptt` the window lengths vary per batch (AWD-LSTM); the lengths of an epoch
    are drawn from an RNG seeded by (seed, epoch), so a resumed epoch repeats them exactly.
    `steps_per_epoch` is the count of epoch 0; `steps_in_epoch(epoch)` gives any epoch's
    (they differ by a few batches with var_bptt, never without it).
    """

    def __init__(self, ids: np.ndarray, batch_size: int, bptt: int, *, var_bptt: bool = False, seed: int = 0,
                 rank: int = 0, world_size: int = 1) -> None:
        _check_positive(batch_size=batch_size, bptt=bptt, world_size=world_size)
        if not 0 <= rank < world_size:
            raise ConfigError(f"rank {rank} is outside 0..{world_size - 1}: check the launcher's settings")
        needed = min_tokens_needed(batch_size, bptt, world_size)
        if len(ids) < needed:
            processes = f" x {world_size} processes" if world_size > 1 else ""
            raise CorpusError(f"the training text has {len(ids)} tokens but one batch needs {needed} "
                              f"(batch size {batch_size} x bptt {bptt}{processes}): add text or lower "
                              f"{option('batch_size')} or {option('bptt')}")
        rows = batch_size * world_size
        self.row_len = len(ids) // rows
        grid = ids[:rows * self.row_len].reshape(rows, self.row_len)
        self._rows = grid[rank * batch_size:(rank + 1) * batch_size]
        self.batch_size, self.bptt, self.var_bptt, self.seed = batch_size, bptt, var_bptt, seed
        self._schedules: dict[int, list[tuple[int, int]]] = {}
        self.steps_per_epoch = self.steps_in_epoch(0)

    def schedule(self, epoch: int) -> list[tuple[int, int]]:
        """(start, length) of every batch of `epoch`; the same on every rank."""
        if epoch not in self._schedules:
            self._schedules = {epoch: self._draw_schedule(epoch)}
        return self._schedules[epoch]

    def _draw_schedule(self, epoch: int) -> list[tuple[int, int]]:
        last = self.row_len - 1  # the final position has no target
        if not self.var_bptt:
            return [(p, min(self.bptt, last - p)) for p in range(0, last, self.bptt)]
        rng = np.random.default_rng([self.seed, epoch])
        out, pos = [], 0
        while pos < last:
            base = self.bptt / 2 if rng.random() < VAR_BPTT_SHORT else self.bptt
            length = int(rng.normal(base, VAR_BPTT_SIGMA))
            length = min(max(length, VAR_BPTT_MIN), self.bptt + VAR_BPTT_OVER, last - pos)
            out.append((pos, length))
            pos += length
        return out

    def steps_in_epoch(self, epoch: int) -> int:
        return len(self.schedule(epoch))

    def batches(self, epoch: int, start: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches `start`, `start`+1, ... of `epoch`: (x, y) int64 [batch_size, T], y = x shifted by one."""
        for pos, length in self.schedule(epoch)[start:]:
            yield _to_tensors(self._rows[:, pos:pos + length + 1])


def _eval_layout(n_tokens: int, batch_size: int, bptt: int, max_tokens: int | None) -> tuple[int, int]:
    """(rows, row length) for evaluation: fewer rows for a short text, whole windows under a cap."""
    n = n_tokens if max_tokens is None else min(n_tokens, max_tokens)
    rows = max(1, min(batch_size, (n - 1) // bptt))
    row_len = n // rows
    if max_tokens is not None and row_len > bptt + 1:
        row_len = (row_len - 1) // bptt * bptt + 1
    return rows, row_len


def eval_token_count(n_tokens: int, batch_size: int, bptt: int, max_tokens: int | None = None) -> int:
    """How many targets `eval_batches` scores: the first token of each row has no context."""
    if n_tokens < 2:
        return 0
    rows, row_len = _eval_layout(n_tokens, batch_size, bptt, max_tokens)
    return rows * (row_len - 1)


def eval_batches(ids: np.ndarray, batch_size: int, bptt: int, max_tokens: int | None = None, *,
                 rank: int = 0, world_size: int = 1) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Fixed windows over contiguous rows, like training but without variation.

    With several processes each takes every `world_size`-th row of the same layout, so the
    sums of all ranks are exactly one process's sums; a rank may get no rows of a short text.
    Checks happen here, not at the first batch, so bad settings fail before any work.
    """
    _check_positive(batch_size=batch_size, bptt=bptt)
    if len(ids) < 2:
        raise CorpusError(f"the evaluation text has {len(ids)} tokens but at least 2 are needed: add text")
    rows, row_len = _eval_layout(len(ids), batch_size, bptt, max_tokens)
    grid = ids[:rows * row_len].reshape(rows, row_len)[rank::world_size]
    if len(grid) == 0:
        return iter(())
    return (_to_tensors(grid[:, pos:pos + min(bptt, row_len - 1 - pos) + 1]) for pos in range(0, row_len - 1, bptt))
