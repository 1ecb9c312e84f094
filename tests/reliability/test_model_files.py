"""Damaged, mismatched and malicious model files, through `cli.main`: refused in one line naming the file
(or the tensor), and a pickle is never unpickled, wherever it is handed in."""
from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlm_studio import cli
from tests.reliability.helpers import TINY, assert_refused, train_tiny


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    """A tiny trained model folder (a run's best checkpoint)."""
    home = tmp_path_factory.mktemp("model-home")
    return Path(train_tiny(home, shakespeare_small, steps=20)[-1]["best_checkpoint"])


class _Payload:
    """What a malicious checkpoint does: run code (here: create a marker file) when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # noqa: ANN204
        return (Path.touch, (Path(self.marker),))


def evil_pickle(path: Path, marker: Path) -> Path:
    path.write_bytes(pickle.dumps({"embedding.weight": _Payload(marker)}))
    return path


def _edit_config(folder: Path, edit: Callable[[dict], None]) -> None:
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


def _truncate(folder: Path) -> None:
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def _flip(folder: Path) -> None:
    data = bytearray((folder / "model.safetensors").read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(64)
    (folder / "model.safetensors").write_bytes(bytes(data))


def _truncate_unchecked(folder: Path) -> None:
    _edit_config(folder, lambda c: c.pop("weights_sha256"))
    _truncate(folder)


def _wider(config: dict) -> None:
    config["model"]["hidden_size"] *= 2


DAMAGE: dict[str, tuple[Callable[[Path], None], str, str]] = {  # case -> (damage, file named, words)
    "truncated-weights": (_truncate, "model.safetensors", "fails its checksum"),
    "corrupt-weights": (_flip, "model.safetensors", "fails its checksum"),
    "truncated-without-checksum": (_truncate_unchecked, "model.safetensors", "not a readable safetensors"),
    "weights-missing": (lambda f: (f / "model.safetensors").unlink(), "model.safetensors", "missing"),
    "config-missing": (lambda f: (f / "config.json").unlink(), "config.json", "neither a model"),
    "config-invalid": (lambda f: (f / "config.json").write_text("{not json"), "config.json", "not valid JSON"),
    "config-not-ours": (lambda f: (f / "config.json").write_text("[1, 2]"), "config.json", "not an RNNLM Studio"),
    "config-disagrees": (lambda f: _edit_config(f, _wider), "model.safetensors", "'rnn."),
    "tokenizer-corrupt": (lambda f: (f / "tokenizer.model").write_bytes(b"\x08garbage" * 50), "tokenizer.model",
                          "re-train"),
}


@pytest.fixture
def damaged(model: Path, tmp_path: Path) -> Callable[[str], Path]:
    def make(case: str) -> Path:
        folder = Path(shutil.copytree(model, tmp_path / case))
        DAMAGE[case][0](folder)
        return folder
    return make


@pytest.mark.parametrize("case", DAMAGE)
@pytest.mark.parametrize("command", ["eval", "complete"])
def test_damaged_model_is_refused_in_one_line(case: str, command: str, damaged: Callable[[str], Path],
                                              shakespeare_small: dict[str, Path], studio_home: Path,
                                              capfd: pytest.CaptureFixture) -> None:
    folder = damaged(case)
    tail = ["--text", str(shakespeare_small["valid"])] if command == "eval" else ["--prompt", "the "]
    code = cli.main([command, str(folder), *tail])
    _, err = capfd.readouterr()
    _, named, words = DAMAGE[case]
    assert_refused(code, err, str(folder / named) if case != "config-missing" else str(folder), studio_home)
    assert words in err, err


def test_source_whose_weights_do_not_fit_its_architecture_names_the_tensor(
        damaged: Callable[[str], Path], shakespeare_small: dict[str, Path], studio_home: Path,
        capfd: pytest.CaptureFixture) -> None:
    source = damaged("config-disagrees")
    code = cli.main(["train", "--train", str(shakespeare_small["train"]), *TINY, "--source", str(source),
                     "--transfer", "parameter", "--max-steps", "2"])
    _, err = capfd.readouterr()
    assert_refused(code, err, "'rnn.", studio_home)
    assert "shape" in err and "different models" in err


def _pickle_as_weights(folder: Path, marker: Path) -> Path:
    _edit_config(folder, lambda c: c.pop("weights_sha256"))
    evil_pickle(folder / "model.safetensors", marker)
    return folder


@pytest.mark.parametrize("command", ["train", "complete", "eval", "generate", "install"])
@pytest.mark.parametrize("form", ["evil.pt", "evil.pth", "pickle-as-safetensors"])
def test_a_pickle_given_as_a_model_is_refused_and_never_runs(
        command: str, form: str, model: Path, tmp_path: Path, studio_home: Path,
        shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    marker = tmp_path / "pwned"
    if form == "pickle-as-safetensors":
        evil = _pickle_as_weights(Path(shutil.copytree(model, tmp_path / "evil")), marker)
    else:
        evil = evil_pickle(tmp_path / form, marker)
    args = {"train": ["train", "--train", str(shakespeare_small["train"]), *TINY, "--source", str(evil),
                      "--transfer", "parameter", "--max-steps", "2"],
            "complete": ["complete", str(evil), "--prompt", "the "],
            "eval": ["eval", str(evil), "--text", str(shakespeare_small["valid"])],
            "generate": ["generate", str(evil), "--prompt", "the "],
            "install": ["models", "--install", str(evil)]}[command]
    code = cli.main(args)
    _, err = capfd.readouterr()
    assert_refused(code, err, str(evil), studio_home)
    assert not marker.exists(), "the pickle's code ran"
