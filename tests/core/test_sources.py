"""Ranking the available sources by how well they read a target text before any training."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import paths
from rnnlm_studio.core.checkpoint import install_model, save_model_folder
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.events import DoneEvent
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.sources import format_ranking, rank_sources
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.trainer import train

from .test_trainer import tiny_config


def install_two_sources(shakespeare: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`reader`, trained briefly on Shakespeare, and `stranger`, random weights on the same tokenizer;
    no bundled models, so a ranking reads these two only."""
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: tmp_path / "no-bundled-models")
    done = [e for e in train(tiny_config(shakespeare, max_steps=80)) if isinstance(e, DoneEvent)][0]
    install_model(Path(done.best_checkpoint), "reader")
    tokenizer = Tokenizer.load(Path(done.best_checkpoint) / "tokenizer.model")
    torch.manual_seed(0)
    stranger = RNNLM(ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=32, hidden_size=64))
    save_model_folder(paths.installed_models_dir() / "stranger", stranger, tokenizer)


def test_the_source_that_knows_the_text_ranks_first(shakespeare_small: dict[str, Path],
                                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_two_sources(shakespeare_small, monkeypatch, tmp_path)
    seen: list[str] = []
    ranking = rank_sources([str(shakespeare_small["test"])], sample_bytes=4000, on_score=lambda s: seen.append(s.name))
    assert sorted(seen) == ["reader", "stranger"]
    assert [score.name for score in ranking.scores] == ["reader", "stranger"]
    reader, stranger = ranking.scores
    assert reader.bpb < stranger.bpb and all(math.isfinite(s.word_ppl) for s in ranking.scores)
    assert 3000 < ranking.sample_bytes <= 4000 and reader.copied is None
    table = format_ranking(ranking, new_tokenizer=False)
    assert table.splitlines()[1].split()[:3] == ["1", "reader", "installed"] and "zero-shot" in table


def test_a_new_tokenizer_reports_how_much_of_it_each_source_knows(shakespeare_small: dict[str, Path],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    install_two_sources(shakespeare_small, monkeypatch, tmp_path)
    ranking = rank_sources([str(shakespeare_small["test"])], new_tokenizer=True, vocab_size=350, sample_bytes=2000)
    for score in ranking.scores:
        assert 0 < score.copied <= 1 and 0 <= score.composed and score.copied + score.composed <= 1
    assert ranking.to_dict()["sources"][0]["copied"] == ranking.scores[0].copied
    assert "copied / composed" in format_ranking(ranking, new_tokenizer=True)


def test_a_broken_source_is_reported_and_ranked_last(shakespeare_small: dict[str, Path],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_two_sources(shakespeare_small, monkeypatch, tmp_path)
    (paths.installed_models_dir() / "stranger" / "model.safetensors").write_bytes(b"not weights")
    ranking = rank_sources([str(shakespeare_small["test"])], sample_bytes=2000)
    assert [score.name for score in ranking.scores] == ["reader", "stranger"]
    assert ranking.scores[1].error and math.isnan(ranking.scores[1].bpb)
    assert ranking.to_dict()["sources"][1]["bpb"] is None
    assert "stranger: " in format_ranking(ranking, new_tokenizer=False)
