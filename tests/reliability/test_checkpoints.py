"""Checkpoints: written atomically, checked against config.json's checksums, a damaged one reported and
the other one used, and a full disk mid-write reported in one line with the previous checkpoint intact."""
from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from rnnlm_studio import cli
from rnnlm_studio.core import checkpoint
from rnnlm_studio.core.atomic import atomic_write, atomic_write_text
from rnnlm_studio.core.runs import RunStore
from tests.reliability.helpers import TINY, checkpoint_step, cli_run, json_events, train_tiny


@pytest.fixture(scope="module")
def finished_home(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    home = tmp_path_factory.mktemp("finished-home")
    train_tiny(home, shakespeare_small, steps=30)
    return home


@pytest.fixture
def run_dir(finished_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the finished run's data folder, made the current one."""
    home = Path(shutil.copytree(finished_home, tmp_path / "home"))
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(home))
    return RunStore(home).list()[0].run_dir


def _corrupt(folder: Path, name: str = "model.safetensors") -> None:
    path = folder / name
    data = bytearray(path.read_bytes())
    data[-100:] = bytes(100)
    path.write_bytes(bytes(data))


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write_text(target, "old")

    def full_disk(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, full_disk)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_config_records_the_checksum_of_every_file_it_vouches_for(run_dir: Path) -> None:
    last = run_dir / "checkpoints" / "last"
    config = json.loads((last / "config.json").read_text())
    assert config["weights_sha256"] == checkpoint.sha256_file(last / "model.safetensors")
    assert config["files_sha256"] == {name: checkpoint.sha256_file(last / name)
                                      for name in (checkpoint.TRAIN_STATE, checkpoint.TRAIN_TENSORS)}


@pytest.mark.parametrize("damaged", ["model.safetensors", checkpoint.TRAIN_TENSORS, checkpoint.TRAIN_STATE])
def test_resume_falls_back_to_best_when_last_is_damaged(damaged: str, run_dir: Path, caplog: pytest.LogCaptureFixture,
                                                        capfd: pytest.CaptureFixture) -> None:
    _corrupt(run_dir / "checkpoints" / "last", damaged)
    best_step = checkpoint_step(run_dir / "checkpoints" / "best")
    code = cli.main(["train", "--resume", run_dir.name, "--max-steps", "40", "--threads", "1", "--json"])
    out, err = capfd.readouterr()
    assert code == 0, err
    warning, = caplog.messages
    assert "checkpoints/last" in warning and damaged in warning and "using" in warning and \
        warning.endswith("checkpoints/best instead"), warning
    events = json_events(out)
    assert events[0]["resumed_from_step"] == best_step and events[-1]["event"] == "done"
    assert checkpoint_step(run_dir / "checkpoints" / "last") == 40  # the damaged one was replaced


def test_eval_of_a_run_falls_back_to_last_when_best_is_damaged(run_dir: Path, shakespeare_small: dict[str, Path]
                                                               ) -> None:
    """In a real process: the warning is one line on stderr and the numbers still come."""
    _corrupt(run_dir / "checkpoints" / "best")
    result = cli_run(run_dir.parents[1], "eval", str(run_dir), "--text", str(shakespeare_small["valid"]), "--json")
    assert result.returncode == 0, result.stderr
    warning, = result.stderr.splitlines()
    assert warning.startswith("warning: ") and "checkpoints/best/model.safetensors fails its checksum" in warning
    assert warning.endswith("checkpoints/last instead"), warning
    assert json.loads(result.stdout)["loss"] > 0


def test_every_checkpoint_damaged_is_one_clear_error(run_dir: Path, shakespeare_small: dict[str, Path],
                                                     capfd: pytest.CaptureFixture) -> None:
    for tag in ("best", "last"):
        _corrupt(run_dir / "checkpoints" / tag)
    for args in (["eval", str(run_dir), "--text", str(shakespeare_small["valid"])],
                 ["train", "--resume", run_dir.name, "--max-steps", "40", "--threads", "1"]):
        code = cli.main(args)
        _, err = capfd.readouterr()
        assert code != 0 and len(err.splitlines()) == 1, err
        assert "every checkpoint" in err and "fails its checksum" in err and "Traceback" not in err


def test_disk_full_during_a_checkpoint_is_one_message_and_the_previous_one_survives(
        studio_home: Path, shakespeare_small: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture) -> None:
    real_save = checkpoint.save_file
    calls = []

    def filling_save(tensors, filename, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        calls.append(filename)
        if len(calls) > 4:  # two checkpoints (weights + training state each) fit, the third does not
            Path(filename).write_bytes(b"\0" * 100)
            raise OSError(errno.ENOSPC, "No space left on device", filename)
        return real_save(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(checkpoint, "save_file", filling_save)
    code = cli.main(["train", "--train", str(shakespeare_small["train"]), "--valid", str(shakespeare_small["valid"]),
                     *TINY, "--max-steps", "40", "--eval-every", "10", "--json"])
    out, err = capfd.readouterr()
    assert code != 0
    message, = err.splitlines()
    assert "No space left on device" in message and "Free disk space" in message and "intact" in message
    run = RunStore().list()[0]
    assert run.status == "failed" and json_events(out)[-1]["event"] == "error"
    folder = run.run_dir / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["best", "last"]  # no half-written temp folder
    assert checkpoint_step(folder / "last") in (0, 10) and checkpoint_step(folder / "best") == 10

    monkeypatch.setattr(checkpoint, "save_file", real_save)  # space freed: the run resumes
    assert cli.main(["train", "--resume", run.id, "--threads", "1", "--json"]) == 0
    assert json_events(capfd.readouterr()[0])[-1]["step"] == 40
