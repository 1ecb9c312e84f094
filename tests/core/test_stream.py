"""Encoding to a cached memory-mapped array, and BPTT batches: contiguity, resume, sharding."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlm_studio.core import stream as stream_module
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import ConfigError, CorpusError
from rnnlm_studio.core.stream import (
    BPTTBatcher,
    encode_source,
    eval_batches,
    eval_token_count,
    min_tokens_needed,
)
from rnnlm_studio.core.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def corpus(shakespeare_small: dict[str, Path]) -> Corpus:
    return Corpus.open([shakespeare_small["valid"]])


@pytest.fixture(scope="module")
def tokenizer(corpus: Corpus) -> Tokenizer:
    return Tokenizer.train(corpus, "bpe", 400)[0]


# ---------------------------------------------------------------- encoding


def test_encode_source_matches_the_text(tmp_path: Path, tokenizer: Tokenizer, corpus: Corpus) -> None:
    array = encode_source(tokenizer, corpus, tmp_path)
    assert isinstance(array.ids, np.memmap) and array.ids.dtype == np.uint16
    text = "".join(line + "\n" for line in corpus.iter_lines())
    assert tokenizer.decode(array.ids.tolist()) == text
    assert len(array) == len(tokenizer.encode_lines(text))
    assert (array.n_words, array.n_bytes) == (corpus.stats().words, corpus.stats().bytes)
    assert array.path.parent == tmp_path and array.path.suffix == ".npy"
    meta = json.loads(array.path.with_suffix(".json").read_text())
    assert meta["n_tokens"] == len(array)


def test_second_encode_is_a_cache_hit(tmp_path: Path, tokenizer: Tokenizer, corpus: Corpus,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    first = encode_source(tokenizer, corpus, tmp_path)

    def fail(*_args, **_kwargs):
        raise AssertionError("re-encoded a cached text")

    monkeypatch.setattr(Tokenizer, "encode_many", fail)
    second = encode_source(tokenizer, corpus, tmp_path)
    assert second.path == first.path
    assert np.array_equal(second.ids, first.ids)
    assert (second.n_words, second.n_bytes) == (first.n_words, first.n_bytes)


def test_damaged_cache_is_rebuilt(tmp_path: Path, tokenizer: Tokenizer, corpus: Corpus) -> None:
    first = encode_source(tokenizer, corpus, tmp_path)
    expected = np.array(first.ids)
    first.path.write_bytes(first.path.read_bytes()[:200])
    again = encode_source(tokenizer, corpus, tmp_path)
    assert np.array_equal(again.ids, expected)


def test_interrupted_encoding_leaves_no_cache(tmp_path: Path, tokenizer: Tokenizer, corpus: Corpus,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = Tokenizer.encode_many

    def dies_on_second_batch(self, lines):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, lines)

    monkeypatch.setattr(stream_module, "ENCODE_LINES", 50)
    monkeypatch.setattr(Tokenizer, "encode_many", dies_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        encode_source(tokenizer, corpus, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_different_text_gets_a_different_cache(tmp_path: Path, tokenizer: Tokenizer,
                                               shakespeare_small: dict[str, Path]) -> None:
    a = encode_source(tokenizer, Corpus.open([shakespeare_small["valid"]]), tmp_path)
    b = encode_source(tokenizer, Corpus.open([shakespeare_small["test"]]), tmp_path)
    assert a.path != b.path and len(list(tmp_path.glob("*.npy"))) == 2


# ---------------------------------------------------------------- training batches


def stream(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.uint16)


def test_min_tokens_needed() -> None:
    assert min_tokens_needed(4, 10) == 44
    assert min_tokens_needed(4, 10, world_size=2) == 88


def test_batches_have_shapes_and_shifted_targets() -> None:
    batcher = BPTTBatcher(stream(1000), batch_size=4, bptt=30)
    batches = list(batcher.batches(0))
    assert batcher.row_len == 250 and len(batches) == batcher.steps_per_epoch == 9  # ceil(249 / 30)
    for x, y in batches:
        assert x.dtype == y.dtype == torch.int64 and x.shape == y.shape and x.shape[0] == 4
        assert torch.equal(x[:, 1:], y[:, :-1])
        assert torch.equal(y, x + 1)  # the stream counts up, so the target is the next number
    assert [x.shape[1] for x, _ in batches] == [30] * 8 + [9]


def test_each_row_continues_across_batches() -> None:
    ids = stream(1000)
    batcher = BPTTBatcher(ids, batch_size=4, bptt=30)
    xs, ys = zip(*batcher.batches(0))
    rows = ids[:1000].reshape(4, 250)
    assert np.array_equal(torch.cat(xs, dim=1).numpy(), rows[:, :-1])
    assert np.array_equal(torch.cat(ys, dim=1).numpy(), rows[:, 1:])
    for y_prev, x_next in zip(ys, xs[1:]):
        assert torch.equal(x_next[:, 0], y_prev[:, -1])


def test_var_bptt_lengths_vary_within_bounds_and_stay_contiguous() -> None:
    ids = stream(40_000)
    batcher = BPTTBatcher(ids, batch_size=4, bptt=35, var_bptt=True, seed=1)
    lengths = [x.shape[1] for x, _ in batcher.batches(0)]
    assert len(set(lengths)) > 5
    assert min(lengths[:-1]) >= 5 and max(lengths) <= 35 + 20
    assert abs(np.mean(lengths) - 35) < 3
    xs = [x for x, _ in batcher.batches(0)]
    assert np.array_equal(torch.cat(xs, dim=1).numpy(), ids.reshape(4, 10_000)[:, :-1])
    assert batcher.steps_per_epoch == batcher.steps_in_epoch(0) == len(lengths)


def test_var_bptt_resume_repeats_the_epoch_exactly() -> None:
    ids = stream(20_000)
    batcher = BPTTBatcher(ids, batch_size=4, bptt=20, var_bptt=True, seed=3)
    full = list(batcher.batches(2))
    fresh = BPTTBatcher(ids, batch_size=4, bptt=20, var_bptt=True, seed=3)
    resumed = list(fresh.batches(2, start=17))
    assert len(resumed) == len(full) - 17
    for (x, y), (rx, ry) in zip(full[17:], resumed):
        assert torch.equal(x, rx) and torch.equal(y, ry)
    lengths = lambda epoch: [x.shape[1] for x, _ in batcher.batches(epoch)]  # noqa: E731
    assert lengths(0) != lengths(1)
    other_seed = BPTTBatcher(ids, batch_size=4, bptt=20, var_bptt=True, seed=4)
    assert [x.shape[1] for x, _ in other_seed.batches(2)] != [x.shape[1] for x, _ in full]


def test_ranks_partition_the_rows() -> None:
    ids = stream(3000)
    whole = BPTTBatcher(ids, batch_size=6, bptt=25, var_bptt=True)
    ranks = [BPTTBatcher(ids, batch_size=3, bptt=25, var_bptt=True, rank=r, world_size=2) for r in range(2)]
    assert ranks[0].steps_per_epoch == ranks[1].steps_per_epoch == whole.steps_per_epoch
    for (x, y), (x0, y0), (x1, y1) in zip(whole.batches(1), ranks[0].batches(1), ranks[1].batches(1)):
        assert torch.equal(x, torch.cat([x0, x1])) and torch.equal(y, torch.cat([y0, y1]))
        assert not set(x0[:, 0].tolist()) & set(x1[:, 0].tolist())


def test_too_small_text_is_refused_with_numbers() -> None:
    with pytest.raises(CorpusError) as err:
        BPTTBatcher(stream(100), batch_size=8, bptt=20)
    message = str(err.value)
    assert "100 tokens" in message and "168" in message and "`batch_size`" in message and "--" not in message
    BPTTBatcher(stream(168), batch_size=8, bptt=20)  # exactly one batch is enough
    with pytest.raises(CorpusError, match="2 processes"):
        BPTTBatcher(stream(168), batch_size=8, bptt=20, world_size=2, rank=1)


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"bptt": 0}, {"rank": 2, "world_size": 2}])
def test_bad_batch_settings(kwargs: dict) -> None:
    settings = {"batch_size": 2, "bptt": 5} | kwargs
    with pytest.raises(ConfigError):
        BPTTBatcher(stream(1000), **settings)


def test_batches_read_from_the_memory_map(tmp_path: Path) -> None:
    path = tmp_path / "ids.npy"
    np.save(path, stream(5000))
    ids = np.load(path, mmap_mode="r")
    x, y = next(BPTTBatcher(ids, batch_size=5, bptt=10).batches(0))
    assert x.tolist()[1][:3] == [1000, 1001, 1002] and y.tolist()[0][-1] == 10


# ---------------------------------------------------------------- evaluation batches


def test_eval_batches_cover_the_text_contiguously() -> None:
    ids = stream(1003)
    batches = list(eval_batches(ids, batch_size=4, bptt=50))
    xs, ys = zip(*batches)
    assert all(x.shape[0] == 4 for x in xs)
    assert np.array_equal(torch.cat(ys, dim=1).numpy(), ids[:1000].reshape(4, 250)[:, 1:])
    assert sum(y.numel() for y in ys) == eval_token_count(1003, 4, 50)


def test_eval_batches_shrink_for_a_short_text() -> None:
    ids = stream(300)
    batches = list(eval_batches(ids, batch_size=64, bptt=70))
    assert batches and all(x.shape[0] == 4 for x, _ in batches)  # 299 // 70 rows of at least 70
    assert sum(y.numel() for _, y in batches) == eval_token_count(300, 64, 70) == 4 * 74
    assert list(eval_batches(stream(5), batch_size=8, bptt=70))[0][0].shape == (1, 4)


def test_eval_batches_limit_to_whole_windows() -> None:
    ids = stream(100_000)
    batches = list(eval_batches(ids, batch_size=10, bptt=35, max_tokens=5000))
    assert all(x.shape == (10, 35) for x, _ in batches)
    count = sum(y.numel() for _, y in batches)
    assert count == eval_token_count(100_000, 10, 35, 5000) <= 5000
    assert int(max(y.max() for _, y in batches)) < 5000


def test_eval_batches_refuse_a_single_token() -> None:
    with pytest.raises(CorpusError, match="at least 2"):
        eval_batches(stream(1), batch_size=4, bptt=10)


def test_huge_lines_are_encoded_in_pieces_with_exact_counts(tmp_path: Path, tokenizer: Tokenizer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    text = "short line\n" + "a long line of words, " * 400 + "\nshort again\n"
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    corpus = Corpus.open([tmp_path / "t.txt"])
    whole = encode_source(tokenizer, corpus, tmp_path / "whole")
    monkeypatch.setattr(stream_module, "ENCODE_CHARS", 500)
    monkeypatch.setattr("rnnlm_studio.core.tokenizer.ENCODE_CHUNK_CHARS", 100)
    monkeypatch.setattr("rnnlm_studio.core.corpus.LONG_LINE", 64)
    pieces = encode_source(tokenizer, corpus, tmp_path / "pieces")
    assert np.array_equal(pieces.ids, whole.ids)  # cuts fall before spaces, so the tokens are the same
    assert (pieces.n_words, pieces.n_bytes) == (whole.n_words, whole.n_bytes) == (len(text.split()), len(text))
