"""Faults and data-loss cases of issue #21, one test each: a run trained by one process at a time, a
killed or stopped-early run, writes that fail in any layer, damaged and read-only stores, data folders
laid out by role, and model folders whose config.json lies about their weights."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors import SafetensorError

from rnnlm_studio import cli
from rnnlm_studio.core import checkpoint, paths, runlock
from rnnlm_studio.core import runs as runs_module
from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.dataset import open_sources
from rnnlm_studio.core.errors import CorpusError
from rnnlm_studio.core.runs import RunStore, read_events
from tests.reliability.helpers import REPO, TINY, checkpoint_step, cli_popen, json_events, run_folders, store_rows

ARGS = [*TINY, "--max-steps", "20", "--eval-every", "10", "--json"]


def _train(data: dict[str, Path], *extra: str) -> int:
    return cli.main(["train", "--train", str(data["train"]), "--valid", str(data["valid"]), *ARGS, *extra])


HOLD_LOCK = "import sys, time; from rnnlm_studio.core import runlock; runlock.acquire(sys.argv[1]); print('held', flush=True); time.sleep(600)"


def test_a_run_being_trained_cannot_be_resumed_by_a_second_process(
        shakespeare_small: dict[str, Path], capfd: pytest.CaptureFixture) -> None:
    assert _train(shakespeare_small) == 0
    run = RunStore().list()[0]
    events_before = read_events(run.run_dir)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(run.run_dir)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)  # as a live trainer in another process holds it
    try:
        assert holder.stdout.readline().strip() == "held"
        capfd.readouterr()
        assert cli.main(["train", "--resume", run.id, "--max-steps", "30", "--json"]) != 0
        err = capfd.readouterr().err
        assert len(err.splitlines()) == 1 and f"process {holder.pid}" in err and "Traceback" not in err, err
        assert runlock.holder(run.run_dir) == holder.pid
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert read_events(run.run_dir) == events_before  # nothing cut back, nothing appended
    assert runlock.holder(run.run_dir) is None  # the lock died with its process


def test_a_killed_run_shows_interrupted_and_resumes(tmp_path: Path, shakespeare_small: dict[str, Path]) -> None:
    proc = cli_popen(tmp_path, "train", "--train", str(shakespeare_small["train"]), "--valid",
                     str(shakespeare_small["valid"]), *TINY, "--max-steps", "100000", "--eval-every", "10", "--json")
    try:
        for line in proc.stdout:
            if '"event": "checkpoint"' in line and '"step": 10' in line:
                break
        record = RunStore(tmp_path).list()[0]
        assert record.status == "running"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        proc.stdout.close(), proc.stderr.close()
    assert RunStore(tmp_path).get(record.id).status == "interrupted"
    resumed = cli_popen(tmp_path, "train", "--resume", record.id, "--max-steps", "20", "--json")
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert json_events(out)[-1]["event"] == "done" and RunStore(tmp_path).get(record.id).status == "done"


def test_sigterm_while_the_data_is_prepared_leaves_nothing(tmp_path: Path, shakespeare_small: dict[str, Path]) -> None:
    """Preparation (tokenizer training here) has registered nothing yet, so the process ends at once
    on SIGTERM; if it had already started training, the stop still keeps nothing (step 0)."""
    big = tmp_path / "big.txt"
    big.write_text(shakespeare_small["train"].read_text() * 8)
    home = tmp_path / "home"
    proc = cli_popen(home, "train", "--train", str(big), "--vocab-size", "2000", "--threads", "1", "--json")
    try:
        while proc.poll() is None and not (home / "cache").exists():
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    finally:
        proc.stdout.close(), proc.stderr.close()
    assert run_folders(home) == [] and store_rows(home) == 0


@pytest.mark.parametrize("reason", ["File too large", "No space left on device"])
def test_a_failed_checkpoint_write_in_safetensors_fails_the_run_and_keeps_the_last_good_one(
        reason: str, shakespeare_small: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture) -> None:
    real_save, calls = checkpoint.save_file, []

    def failing_save(tensors, filename, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        calls.append(filename)
        if len(calls) > 4:  # the step-0 and step-10 checkpoints fit, the next does not
            raise SafetensorError(f'Error while serializing: IoError(Os {{ code: 27, kind: FileTooLarge, '
                                  f'message: "{reason}" }})')
        return real_save(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(checkpoint, "save_file", failing_save)
    assert _train(shakespeare_small) != 0
    message, = capfd.readouterr().err.splitlines()
    assert reason in message and "Free disk space" in message and "Traceback" not in message
    run = RunStore().list()[0]
    assert run.status == "failed"
    assert checkpoint_step(run.run_dir / "checkpoints" / "last") in (0, 10)


def _damage_page(db: Path) -> None:
    data = bytearray(db.read_bytes())
    page = 4096
    data[page:2 * page] = b"\xff" * page  # the runs table's first page
    db.write_bytes(bytes(data))


def test_a_damaged_store_is_one_message_with_the_fix(studio_home: Path, capfd: pytest.CaptureFixture) -> None:
    store = RunStore()
    for index in range(30):
        store.create(name=f"run-{index}", config={"train": ["a.txt"]}, source=None, transfer="scratch")
    with runs_module.sqlite3.connect(studio_home / runs_module.DB_FILE) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _damage_page(studio_home / runs_module.DB_FILE)
    assert cli.main(["runs"]) != 0
    err = capfd.readouterr().err
    assert len(err.splitlines()) == 1 and "damaged" in err and "move it aside" in err and "Traceback" not in err


def test_read_only_commands_work_on_a_read_only_data_folder(
        shakespeare_small: dict[str, Path], studio_home: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture) -> None:
    assert _train(shakespeare_small) == 0
    run = RunStore().list()[0]
    capfd.readouterr()
    home = str(studio_home)
    real_access = os.access
    # the tests run as root, whom chmod does not stop: the store sees the folder as read-only instead
    monkeypatch.setattr(runs_module.os, "access", lambda path, mode: real_access(path, mode)
                        and not (mode == os.W_OK and str(path).startswith(home)))
    assert cli.main(["runs", "--json"]) == 0
    assert json.loads(capfd.readouterr().out)[0]["status"] == "done"
    assert cli.main(["eval", run.name, "--text", str(shakespeare_small["valid"]), "--json"]) == 0
    assert cli.main(["models"]) == 0
    capfd.readouterr()
    assert cli.main(["train", "--resume", run.id, "--max-steps", "30"]) != 0
    err = capfd.readouterr().err
    assert "read-only" in err and paths.HOME_ENV in err and "Traceback" not in err


def _role_folder(folder: Path, data: dict[str, Path], name: str) -> Path:
    """`data`'s train, valid and test texts in one folder, each file named `name` with its role filled in."""
    folder.mkdir()
    for role in ("train", "valid", "test"):
        shutil.copy(data[role], folder / name.format(role=role))
    return folder


def test_a_folder_laid_out_by_role_uses_each_file_for_its_role(tmp_path: Path,
                                                               shakespeare_small: dict[str, Path]) -> None:
    folder = _role_folder(tmp_path / "corpus", shakespeare_small, "{role}.txt")
    (folder / "README.md").write_text("# About this corpus\n")
    (folder / "extra.txt").write_text("not named for a role\n")
    train, valid, test, notes = open_sources(TrainConfig(train=[str(folder)]))
    assert [f.path.name for f in train.files] == ["train.txt"]
    assert [f.path.name for f in valid.files] == ["valid.txt"] and [f.path.name for f in test.files] == ["test.txt"]
    note, = [n for n in notes if "roles" in n]
    assert "train: train.txt" in note and "test: test.txt" in note and "not used: extra.txt" in note
    assert "README" not in note


def test_wikitext_style_names_and_a_folder_without_training_text(tmp_path: Path,
                                                                 shakespeare_small: dict[str, Path]) -> None:
    folder = _role_folder(tmp_path / "wiki", shakespeare_small, "wiki.{role}.tokens")
    train, valid, test, _ = open_sources(TrainConfig(train=[str(folder)]))
    assert [f.path.name for f in train.files] == ["wiki.train.tokens"]
    assert [f.path.name for f in test.files] == ["wiki.test.tokens"]
    (folder / "wiki.train.tokens").unlink()
    with pytest.raises(CorpusError, match="no train"):
        open_sources(TrainConfig(train=[str(folder)]))


def _rewrite_config(folder: Path, edit) -> None:  # noqa: ANN001
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize("case, edit, words", [
    ("billion-word-vocabulary", lambda c: c["model"].update(vocab_size=10 ** 9), "model.vocab-size"),
    ("vocabulary-the-weights-lack", lambda c: c["model"].update(vocab_size=4000), "shape"),
    ("petabyte-cache", lambda c: c["model"].update(cache_window=10 ** 12), "model.cache-window"),
    ("fractional-size", lambda c: c["model"].update(hidden_size=127.5), "whole number"),
    ("model-not-an-object", lambda c: c.update(model=[1, 2]), "must be an object"),
    ("size-as-text", lambda c: c["model"].update(layers="2"), "model.layers"),
    ("nan-dropout", lambda c: c["model"].update(dropout_output=float("nan")), "model.dropout-output"),
])
def test_config_json_is_checked_before_anything_is_built(case: str, edit, words: str, tmp_path: Path,  # noqa: ANN001
                                                         capfd: pytest.CaptureFixture) -> None:
    folder = tmp_path / "model"
    shutil.copytree(paths.bundled_models_dir() / "shakespeare-char", folder)
    _rewrite_config(folder, edit)  # the weights' checksum still matches: only the config lies
    assert cli.main(["generate", str(folder), "--prompt", "a", "--max-tokens", "2"]) != 0
    err = capfd.readouterr().err
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err, err


def test_installing_never_replaces_a_model(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    folder = tmp_path / "mine"
    shutil.copytree(paths.bundled_models_dir() / "shakespeare-char", folder)
    assert cli.main(["models", "--install", str(folder)]) == 0
    installed = paths.installed_models_dir() / "mine"
    digest = hashlib.sha256((installed / "config.json").read_bytes()).hexdigest()
    _rewrite_config(folder, lambda c: c.update(metrics={"changed": 1}))
    capfd.readouterr()
    assert cli.main(["models", "--install", str(folder)]) != 0
    assert "already installed" in capfd.readouterr().err
    assert hashlib.sha256((installed / "config.json").read_bytes()).hexdigest() == digest


def test_a_run_id_whose_folder_was_removed_by_hand_is_skipped(studio_home: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The row outlives its folder: the next run must take another id, not report a damaged store."""
    store = RunStore()
    ids = iter(["taken", "taken", "fresh"])
    monkeypatch.setattr(runs_module, "_new_id", lambda name, now: next(ids))
    first = store.create(name="a", config={}, source=None, transfer="scratch")
    runlock.release(first.run_dir)  # its process ended...
    shutil.rmtree(first.run_dir)  # ...and someone removed the folder
    assert store.create(name="b", config={}, source=None, transfer="scratch").id == "fresh"
