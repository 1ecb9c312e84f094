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
    _valid, _test, files = fractions.materialise(config, [0.5, 1.0])
    whole = {path: path.read_text(encoding="utf-8") for _f, path, _size in files}
    seen: list[str] = []
    lines = Corpus.iter_lines

    def reading_meanwhile(self: Corpus):
        for number, line in enumerate(lines(self)):
            if number == 100:  # a run starts reading the shares now
                seen.extend(Path(path).read_text(encoding="utf-8") for path in whole)
            yield line

    monkeypatch.setattr(Corpus, "iter_lines", reading_meanwhile)
    _valid, _test, again = fractions.materialise(config, [0.5, 1.0])
    assert seen and all(text in whole.values() for text in seen)
    assert [size for _f, _p, size in again] == [size for _f, _p, size in files]
    assert {path: path.read_text(encoding="utf-8") for _f, path, _s in again} == whole


def _marked_folder(root: Path) -> Path:
    """A data folder laid out by role (DESIGN.md): each line says which file it came from."""
    root.mkdir()
    for role, lines in (("train", 400), ("valid", 40), ("test", 40)):
        (root / f"{role}.txt").write_text("".join(f"{role.upper()} line {i} of the {role} text\n"
                                                  for i in range(lines)), encoding="utf-8")
    return root


def test_a_folder_laid_out_by_role_keeps_its_test_text_out_of_every_share(tmp_path: Path) -> None:
    """A run reads train.txt / valid.txt / test.txt of a folder in those roles; the shares of a
    data-efficiency study must too, or they train on the text the runs are scored on."""
    folder = _marked_folder(tmp_path / "data")
    valid, test, files = fractions.materialise(TrainConfig(train=[str(folder)]), [0.5, 1.0])
    for _fraction, path, _size in files:
        text = path.read_text(encoding="utf-8")
        assert "TEST" not in text and "VALID" not in text and "TRAIN" in text
    assert {line.split()[0] for line in valid.read_text(encoding="utf-8").splitlines()} == {"VALID"}
    assert test is not None and {line.split()[0] for line in test.read_text(encoding="utf-8").splitlines()} == {"TEST"}


def test_a_split_keeps_its_test_part_for_the_figures(tmp_path: Path) -> None:
    """Without a validation text the runs split the training text: the study's figures are then of the
    split's held-out test part, as a run's own are, not of the validation part that chose its checkpoint."""
    text = tmp_path / "one.txt"
    text.write_text("".join(f"line {i} of one text\n" for i in range(2000)), encoding="utf-8")
    valid, test, files = fractions.materialise(TrainConfig(train=[str(text)]), [1.0])
    shares = [set(p.read_text(encoding="utf-8").splitlines()) for p in (valid, test, files[0][1])]
    assert all(shares) and not (shares[0] & shares[1] or shares[0] & shares[2] or shares[1] & shares[2])
