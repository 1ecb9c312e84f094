"""Bad input through `cli.main`: every refusal is one `error:` line naming the file and the fix, with no
traceback and nothing on disk; text that is odd but usable (bad UTF-8, UTF-16, ANSI codes) is accepted."""
from __future__ import annotations

import codecs
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from rnnlm_studio import cli
from rnnlm_studio.core import corpus as corpus_module
from rnnlm_studio.core.checkpoint import load_model_folder
from rnnlm_studio.core.runs import RunStore
from tests.reliability.helpers import TINY, assert_refused, json_events

Maker = Callable[[Path, str], Path]


def _png(path: Path, text: str) -> Path:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 64, 64, 8, 6, 0, 0, 0)
    path.write_bytes(header + zlib.compress(os.urandom(4000)))
    return path


def _write(name: str, data: Callable[[str], bytes]) -> Maker:
    def make(folder: Path, text: str) -> Path:
        (folder / name).write_bytes(data(text))
        return folder / name
    return make


def _executable(folder: Path, text: str) -> Path:
    return Path(shutil.copy(shutil.which("ls") or "/bin/ls", folder / "ls.txt"))


def _no_text_folder(folder: Path, text: str) -> Path:
    (folder / "data").mkdir()
    _png(folder / "data" / "picture.png", text)
    (folder / "data" / "blank.txt").write_text("\n\n")
    return folder / "data"


BINARY = ("binary", "convert it to plain text")
REFUSED: dict[str, tuple[Maker, tuple[str, str]]] = {  # case -> (make the corpus, (problem, fix) in the message)
    "empty": (_write("empty.txt", lambda t: b""), ("empty", "give a file with text")),
    "whitespace": (_write("blank.txt", lambda t: b"  \n\t\n \r\n"), ("whitespace", "give a file with text")),
    "executable": (_executable, BINARY),
    "png": (lambda folder, text: _png(folder / "image.png", text), BINARY),
    "random-bytes": (_write("noise.txt", lambda t: os.urandom(20_000)), BINARY),
    "random-bytes-no-nul": (_write("noise.txt", lambda t: bytes(b % 255 + 1 for b in os.urandom(20_000))), BINARY),
    "nul-in-text": (_write("nul.txt", lambda t: t[:5000].encode() + b"\0" + t[5000:].encode()), ("NUL", "remove it")),
    "folder-without-text": (_no_text_folder, ("no text files", "point to a folder or file")),
    "missing": (lambda folder, text: folder / "nope.txt", ("no such file", "check the path")),
    "home-of-an-unknown-user": (lambda folder, text: Path("~nobody-rnnlm-studio/corpus.txt"),
                                ("no such file", "check the path")),
    "smaller-than-a-batch": (_write("tiny.txt", lambda t: b"hello world\n" * 3),
                             ("one batch needs 272", "add text or lower --batch-size")),
}

ACCEPTED: dict[str, tuple[Maker, str | None]] = {  # case -> (make the corpus, words of the expected warning)
    "invalid-utf8": (_write("latin.txt", lambda t: t[:30_000].encode() + b" caf\xe9 \xff " + t[30_000:].encode()),
                     "not valid UTF-8"),
    "utf16-bom": (_write("utf16.txt", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")), None),
    "mixed-scripts-ansi": (_write("mixed.txt", lambda t: (
        "Hello \x1b[31mred\x1b[0m мир 世界 مرحبا γειά שלום\n" * 500 + t).encode()), None),
}


@pytest.fixture(scope="module")
def text(shakespeare_small: dict[str, Path]) -> str:
    return shakespeare_small["train"].read_text(encoding="utf-8")


def _train(path: Path, valid: Path, *extra: str) -> int:
    return cli.main(["train", "--train", str(path), "--valid", str(valid), *TINY, "--max-steps", "2",
                     "--eval-every", "1", "--json", *extra])


@pytest.mark.parametrize("case", REFUSED)
def test_bad_corpus_is_refused_in_one_line(case: str, tmp_path: Path, text: str, studio_home: Path,
                                           shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    make, (problem, fix) = REFUSED[case]
    path = make(tmp_path, text)
    code = _train(path, shakespeare_small["valid"])
    out, err = capfd.readouterr()
    named = str(path.parent) if case != "smaller-than-a-batch" else "training text"
    assert_refused(code, err, named, studio_home)
    assert problem in err and fix in err, err


def test_unreadable_file_is_refused(tmp_path: Path, text: str, studio_home: Path, monkeypatch: pytest.MonkeyPatch,
                                    shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    """chmod 000 does not stop root, so as root the read itself is made to fail the way it would."""
    path = tmp_path / "secret.txt"
    path.write_text(text)
    path.chmod(0)
    if os.geteuid() == 0:
        real_open = open

        def refusing_open(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            if Path(file) == path.resolve():
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(corpus_module, "open", refusing_open, raising=False)
    code = _train(path, shakespeare_small["valid"])
    _, err = capfd.readouterr()
    assert_refused(code, err, str(path), studio_home)
    assert "Permission denied" in err and "may read it" in err


@pytest.mark.parametrize("case", ACCEPTED)
def test_odd_but_usable_text_is_accepted(case: str, tmp_path: Path, text: str,
                                         shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    make, warning = ACCEPTED[case]
    path = make(tmp_path, text)
    code = _train(path, shakespeare_small["valid"])
    out, err = capfd.readouterr()
    assert code == 0, err
    events = json_events(out)
    assert events[-1]["event"] == "done"
    warnings = [e["message"] for e in events if e["event"] == "log" and e["level"] == "warning"]
    if warning:
        assert any(warning in w and str(path) in w for w in warnings), warnings


def test_vocabulary_larger_than_the_corpus_supports_is_lowered_with_a_warning(
        shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    code = _train(shakespeare_small["train"], shakespeare_small["valid"], "--vocab-size", "50000")
    out, err = capfd.readouterr()
    assert code == 0, err
    events = json_events(out)
    warning = next(e["message"] for e in events if e["event"] == "log" and "lowered" in e["message"])
    assert "from 50000 to" in warning
    assert events[0]["config"]["model"]["vocab_size"] < 50000


SETTINGS = {  # option and value -> the option the message must name
    ("--emb-size", "0"): "--emb-size", ("--hidden-size", "-5"): "--hidden-size", ("--layers", "0"): "--layers",
    ("--batch-size", "0"): "--batch-size", ("--bptt", "-1"): "--bptt", ("--vocab-size", "0"): "--vocab-size",
    ("--lr", "-1"): "--lr", ("--time-budget", "0"): "--time-budget", ("--max-steps", "-3"): "--max-steps",
    ("--eval-every", "0"): "--eval-every", ("--epochs", "-1"): "--epochs",
}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"{s[0]}={s[1]}")
def test_impossible_setting_is_refused_in_one_line(setting: tuple[str, str], studio_home: Path,
                                                   shakespeare_small: dict[str, Path],
                                                   capfd: pytest.CaptureFixture) -> None:
    code = cli.main(["train", "--train", str(shakespeare_small["train"]), *TINY, *setting, "--threads", "1"])
    _, err = capfd.readouterr()
    assert_refused(code, err, SETTINGS[setting], studio_home)


def test_a_learning_rate_that_diverges_stops_with_advice_and_keeps_the_last_good_checkpoint(
        studio_home: Path, shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    code = _train(shakespeare_small["train"], shakespeare_small["valid"], "--lr", "1e6", "--clip", "0",
                  "--max-steps", "40", "--eval-every", "10")
    out, err = capfd.readouterr()
    assert code != 0
    message, = err.splitlines()
    assert "diverged" in message and "Lower --lr (now" in message and "Traceback" not in message
    error = json_events(out)[-1]
    loaded = load_model_folder(Path(error["checkpoint"]))
    assert all(torch.isfinite(p).all() for p in loaded.model.parameters())
    assert RunStore().get(Path(error["run_dir"]).name).status == "failed"
