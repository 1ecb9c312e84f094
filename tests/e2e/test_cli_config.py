"""`train --config run.toml` (re-run or vary a stored run) and `train --output-dir DIR`."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli_process

TINY = ["--vocab-size", "300", "--emb-size", "32", "--hidden-size", "64", "--batch-size", "16", "--bptt", "16",
        "--lr", "0.03", "--warmup-steps", "5", "--max-steps", "20", "--eval-every", "10", "--precision", "fp32",
        "--threads", "1", "--device", "cpu"]


def events(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config-home")


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory, home: Path, shakespeare_small: dict[str, Path]) -> dict:
    out = tmp_path_factory.mktemp("my-runs") / "nested"
    result = cli_process(home, "train", "--train", str(shakespeare_small["train"]), "--valid",
                         str(shakespeare_small["valid"]), *TINY, "--name", "first", "--output-dir", str(out), "--json")
    return {"out": out, "events": events(result)}


def test_output_dir_holds_the_run_and_the_store_lists_it(elsewhere: dict, home: Path,
                                                        shakespeare_small: dict[str, Path]) -> None:
    done = elsewhere["events"][-1]
    run_dir = Path(done["run_dir"])
    assert run_dir.parent == elsewhere["out"].resolve() and (run_dir / "run.toml").is_file()
    assert not (home / "runs" / done["run_id"]).exists()
    listed = {r["id"]: r for r in json.loads(cli_process(home, "runs", "--json").stdout)}
    assert Path(listed[done["run_id"]]["run_dir"]) == run_dir and listed[done["run_id"]]["status"] == "done"
    scores = cli_process(home, "eval", "first", "--text", str(shakespeare_small["test"]), "--json")
    assert scores.returncode == 0, scores.stderr


def test_config_reruns_a_stored_run_with_the_options_typed_over_it(elsewhere: dict, home: Path) -> None:
    first = elsewhere["events"][0]
    stored = Path(elsewhere["events"][-1]["run_dir"]) / "run.toml"
    again = events(cli_process(home, "train", "--config", str(stored), "--max-steps", "10", "--hidden-size", "48",
                               "--json"))
    config = again[0]["config"]
    assert config["max_steps"] == 10 and config["model"]["hidden_size"] == 48
    expected = dict(first["config"], max_steps=10, name=None, model=dict(first["config"]["model"], hidden_size=48))
    assert config == expected
    assert again[-1]["step"] == 10 and again[-1]["run_id"] != first["run_id"]
    assert Path(again[-1]["run_dir"]).parent == elsewhere["out"].resolve()  # the stored output dir is kept


def test_config_budget_typed_replaces_the_stored_one(elsewhere: dict, home: Path, tmp_path: Path) -> None:
    run_folder = Path(elsewhere["events"][-1]["run_dir"])
    again = events(cli_process(home, "train", "--config", str(run_folder), "--epochs", "0.05", "--output-dir",
                               str(tmp_path), "--json"))
    assert again[0]["config"]["max_steps"] is None and again[0]["config"]["epochs"] == 0.05
    assert Path(again[-1]["run_dir"]).parent == tmp_path.resolve()


def test_missing_config_is_one_line_and_creates_nothing(home: Path, tmp_path: Path) -> None:
    before = sorted((home / "runs").iterdir())
    result = cli_process(home, "train", "--config", str(tmp_path / "nope.toml"), "--json")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "--config" in result.stderr and "nope.toml" in result.stderr and "Traceback" not in result.stderr
    assert sorted((home / "runs").iterdir()) == before
