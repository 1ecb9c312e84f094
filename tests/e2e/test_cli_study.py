"""`rnnlm-studio study` through real processes: the JSON contract, the store, the exports, resume after
a stop, and `transfer-curve` as a study preset. Every run is a few steps of a tiny model."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.trainer import train
from tests.e2e.test_cli import REPO, cli_process

CELL_KEYS = {"axes", "repeats", "bpb_mean", "bpb_sd", "baseline_bpb_mean", "gain_bits_mean"}
TINY = ["--max-steps", "2", "--eval-every", "2", "--batch-size", "8", "--bptt", "16", "--precision", "fp32",
        "--threads", "1"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("study-home")


@pytest.fixture(scope="module")
def source(home: Path, shakespeare_small: dict[str, Path]) -> str:
    """A tiny source model (emb 16, hidden 24), trained for 3 steps."""
    config = TrainConfig(train=[str(shakespeare_small["train"])], valid=str(shakespeare_small["valid"]),
                         model=ModelConfig(vocab_size=200, emb_size=16, hidden_size=24), batch_size=8, bptt=16,
                         max_steps=3, eval_every=3, precision="fp32", threads=1, name="tiny-source")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(home))
        list(train(config))
    return "tiny-source"


def data_args(data: dict[str, Path]) -> list[str]:
    return ["--train", str(data["train"]), "--valid", str(data["valid"]), "--test", str(data["test"])]


def test_study_json_ends_with_the_contract(home: Path, source: str, shakespeare_small: dict[str, Path]) -> None:
    result = cli_process(home, "study", *data_args(shakespeare_small), "--source", source, "--axis",
                         "transfer=parameter,feature", *TINY, "--name", "contract", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]  # every line is one JSON event
    assert events[0]["event"] == "study_start" and events[0]["runs"] == 4  # feature's own output layer: a baseline each
    done = events[-1]
    assert list(done) == ["event", "study_dir", "cells"] and done["event"] == "study_done"
    assert [cell["axes"] for cell in done["cells"]] == [{"transfer": "parameter"}, {"transfer": "feature"}]
    for cell in done["cells"]:
        assert CELL_KEYS <= set(cell) and cell["repeats"] == 1 and cell["split"] == "test"
        assert cell["gain_bits_mean"] == pytest.approx(1 - cell["bpb_mean"] / cell["baseline_bpb_mean"])
    stored = json.loads(cli_process(home, "runs", "--json").stdout)
    names = {run["name"]: run for run in stored}
    assert {"contract-cell0-r0", "contract-cell1-r0", "contract-baseline0-r0"} <= set(names)
    assert names["contract-baseline0-r0"]["transfer"] == "scratch" and names["contract-cell1-r0"]["transfer"] == "feature"
    assert names["contract-cell0-r0"]["baseline_id"] == names["contract-baseline0-r0"]["id"]
    assert names["contract-cell1-r0"]["baseline_id"] == names["contract-baseline1-r0"]["id"]
    folder = Path(done["study_dir"])
    assert (folder / "results.csv").read_text().startswith("transfer,repeats,bpb_mean")
    assert "| parameter | 1 |" in (folder / "report.md").read_text()


def test_bad_axis_is_one_clear_line_and_leaves_nothing(home: Path, source: str,
                                                        shakespeare_small: dict[str, Path]) -> None:
    result = cli_process(home, "study", *data_args(shakespeare_small), "--source", source, "--axis", "speed=1,2",
                         "--name", "bad")
    assert result.returncode == 2 and result.stderr.startswith("error: axis 'speed=1,2'")
    assert "Traceback" not in result.stderr and not (home / "studies" / "bad").exists()
    missing = cli_process(home, "study", "--resume", "nope")
    assert missing.returncode == 2 and "no study named 'nope'" in missing.stderr


def test_a_stopped_study_resumes_only_its_unfinished_runs(home: Path, source: str,
                                                          shakespeare_small: dict[str, Path]) -> None:
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(home), PYTHONPATH=str(REPO))
    argv = [sys.executable, "-m", "rnnlm_studio.cli", "study", *data_args(shakespeare_small), "--source", source,
            "--axis", "fraction=0.5,1", *TINY, "--name", "stopped", "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    first: list[dict] = []
    for line in proc.stdout:
        first.append(json.loads(line))
        if first[-1]["event"] == "study_cell" and first[-1]["complete"]:
            proc.send_signal(signal.SIGTERM)  # as Ctrl-C or a closed window: stop after the first cell
            break
    rest = proc.communicate(timeout=300)[0]
    first += [json.loads(line) for line in rest.splitlines()]
    trained = {e["job"] for e in first if e["event"] == "study_run_done" and e["ok"]}
    assert {"b0-r0", "c0-r0"} <= trained and len(trained) < 4, trained
    resumed = cli_process(home, "study", "--resume", "stopped", "--json")
    assert resumed.returncode == 0, resumed.stderr
    events = [json.loads(line) for line in resumed.stdout.splitlines()]
    again = {e["job"] for e in events if e["event"] == "study_run_start"}
    assert again == {"b0-r0", "c0-r0", "b1-r0", "c1-r0"} - trained, "only the unfinished runs train again"
    assert [cell["repeats"] for cell in events[-1]["cells"]] == [1, 1]


def test_transfer_curve_is_a_study_with_matched_baselines(home: Path, source: str,
                                                          shakespeare_small: dict[str, Path]) -> None:
    result = cli_process(home, "transfer-curve", *data_args(shakespeare_small), "--source", source,
                         "--fractions", "0.5,1", *TINY, "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-2]["event"] == "study_done" and lines[-1]["event"] == "curve"
    points = lines[-1]["points"]
    assert [p["fraction"] for p in points] == [0.5, 1.0] and points[0]["train_bytes"] < points[1]["train_bytes"]
    runs = {r["name"]: r for r in json.loads(cli_process(home, "runs", "--json").stdout)}
    curve = [r for name, r in runs.items() if name.startswith("curve-") and "baseline" in name]
    assert len(curve) == 2
    for run in curve:  # the scratch arm has the source's architecture, not the default model
        model = TrainConfig.load(Path(run["run_dir"]) / "run.toml").model
        assert (model.emb_size, model.hidden_size) == (16, 24)
