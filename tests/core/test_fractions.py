"""Shares of the target data (core/fractions.py), as the `fraction` axis of a study uses them."""
from __future__ import annotations

from pathlib import Path

from rnnlm_studio.core import fractions
from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.corpus import Corpus


def test_rewriting_the_shares_never_shows_a_reader_a_partial_file(shakespeare_small, monkeypatch) -> None:
    """Each plan (a study started, resumed, a second study on the same text) writes the shares again,
    while the runs of another study may be reading them: a run opening one mid-write would train on a
    cut text and nothing would say so."""
    config = TrainConfig(train=[str(shakespeare_small["train"])], valid=str(shakespeare_small["valid"]))
    _valid, files = fractions.materialise(config, [0.5, 1.0])
    whole = {path: path.read_text(encoding="utf-8") for _f, path, _size in files}
    seen: list[str] = []
    lines = Corpus.iter_lines

    def reading_meanwhile(self: Corpus):
        for number, line in enumerate(lines(self)):
            if number == 100:  # a run starts reading the shares now
                seen.extend(Path(path).read_text(encoding="utf-8") for path in whole)
            yield line

    monkeypatch.setattr(Corpus, "iter_lines", reading_meanwhile)
    _valid, again = fractions.materialise(config, [0.5, 1.0])
    assert seen and all(text in whole.values() for text in seen)
    assert [size for _f, _p, size in again] == [size for _f, _p, size in files]
    assert {path: path.read_text(encoding="utf-8") for _f, path, _s in again} == whole
