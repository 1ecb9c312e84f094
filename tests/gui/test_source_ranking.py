"""The Model & Transfer panel ranks the sources on the corpus the user loads."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_sources import install_two_sources


def test_loading_a_corpus_ranks_the_sources_on_it(make_window, qtbot, shakespeare_small: dict[str, Path],
                                                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_two_sources(shakespeare_small, monkeypatch, tmp_path)
    window = make_window()
    corpus, ranking = window.corpus_panel, window.model_panel.ranking
    assert "Scoring" in ranking.status.text()  # the sample corpus a first start loads
    corpus.set_train_paths([shakespeare_small["test"]])
    assert ranking.ranking is None and "Scoring" in ranking.status.text()
    assert ranking.busy
    qtbot.waitUntil(lambda: ranking.ranking is not None, timeout=120_000)
    assert not ranking.busy
    assert ranking.table.isVisible() and ranking.table.rowCount() == 2
    assert [ranking.table.item(row, 0).text() for row in range(2)] == ["reader", "stranger"]
    assert "reader</b> reads it best" in ranking.status.text()
    assert float(ranking.table.item(0, 1).text()) < float(ranking.table.item(1, 1).text())
    assert "zero-shot" in ranking.toolTip() and "Bits per byte compare across tokenizers" in ranking.toolTip()
