"""The headline figures are the network alone: the neural cache is an opt-in column of its own."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnnlm_studio.core.events import DoneEvent, EvalEvent
from rnnlm_studio.core.trainer import train

from .test_trainer import of, tiny_config


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(tmp_path))
    yield tmp_path


def test_a_run_reports_the_network_alone_unless_the_cache_is_asked_for(home: Path,
                                                                       shakespeare_small: dict[str, Path]) -> None:
    base = tiny_config(shakespeare_small, max_steps=80)
    assert base.model.cache_window == 0  # off by default
    plain = list(train(base))
    cached = list(train(dataclasses.replace(base, model=dataclasses.replace(base.model, cache_window=200))))
    plain_evals, cached_evals = of(plain, EvalEvent), of(cached, EvalEvent)
    # the same weights score the same: the cache changes no headline figure and no choice of best checkpoint
    assert [(e.loss, e.word_ppl, e.bpb, e.is_best) for e in plain_evals] == \
        [(e.loss, e.word_ppl, e.bpb, e.is_best) for e in cached_evals]
    assert all("cached_word_ppl" not in e.extra for e in plain_evals)
    assert all({"cached_loss", "cached_word_ppl", "cached_bpb"} <= set(e.extra) for e in cached_evals)
    done = of(cached, DoneEvent)[0]
    assert done.valid["word_ppl"] == of(plain, DoneEvent)[0].valid["word_ppl"]
    assert done.valid["cached_word_ppl"] != done.valid["word_ppl"]
