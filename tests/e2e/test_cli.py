"""The command-line contract, through real processes: train --json, eval, runs, help, bad input."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlm_studio import cli
from rnnlm_studio.core.tokenizer import Tokenizer
from tests.core.test_trainer import unigram_loss

REPO = Path(__file__).resolve().parents[2]
METRIC_KEYS = {"loss", "ppl", "word_ppl", "bpb"}
TINY = ["--vocab-size", "300", "--emb-size", "32", "--hidden-size", "64", "--batch-size", "16", "--bptt", "16",
        "--lr", "0.03", "--warmup-steps", "5", "--max-steps", "120", "--eval-every", "40",
        "--precision", "fp32", "--threads", "1"]


def cli_process(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "rnnlm_studio.cli", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="module")
def trained(home: Path, shakespeare_small: dict[str, Path]) -> subprocess.CompletedProcess:
    return cli_process(home, "train", "--train", str(shakespeare_small["train"]), "--valid",
                       str(shakespeare_small["valid"]), "--test", str(shakespeare_small["test"]), *TINY, "--json")


def test_train_json_prints_events_and_a_done_line(trained: subprocess.CompletedProcess, home: Path,
                                                  shakespeare_small: dict[str, Path], tmp_path: Path) -> None:
    assert trained.returncode == 0, trained.stderr
    lines = trained.stdout.splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON event
    assert events[0]["event"] == "start" and any(e["event"] == "step" for e in events)
    done = events[-1]
    assert done["event"] == "done" and done["reason"] == "budget"
    assert set(done["valid"]) == METRIC_KEYS and set(done["test"]) == METRIC_KEYS
    assert done["tokens_per_s"] > 0 and Path(done["run_dir"]).parent == home / "runs"
    tokenizer = Tokenizer.load(Path(done["best_checkpoint"]) / "tokenizer.model")
    baseline = unigram_loss(tokenizer, shakespeare_small["train"], shakespeare_small["valid"], tmp_path)
    assert done["valid"]["loss"] < baseline - 0.3, (done["valid"]["loss"], baseline)
    assert "Traceback" not in trained.stderr


def test_eval_prints_the_four_metrics(trained: subprocess.CompletedProcess, home: Path,
                                      shakespeare_small: dict[str, Path]) -> None:
    done = json.loads(trained.stdout.splitlines()[-1])
    result = cli_process(home, "eval", done["run_id"], "--text", str(shakespeare_small["test"]), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert METRIC_KEYS <= set(metrics)
    assert metrics["loss"] == pytest.approx(done["test"]["loss"], rel=1e-3)  # the same best weights
    assert metrics["tokens"] > 0 and metrics["words"] > 0 and metrics["bytes"] > 0


def test_runs_lists_the_run(trained: subprocess.CompletedProcess, home: Path) -> None:
    done = json.loads(trained.stdout.splitlines()[-1])
    result = cli_process(home, "runs", "--json")
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout)
    assert [(r["id"], r["status"], r["run_dir"]) for r in runs] == [(done["run_id"], "done", done["run_dir"])]
    assert runs[0]["final"]["valid"]["loss"] == pytest.approx(done["valid"]["loss"])


def test_train_help_lists_every_option_with_its_default(tmp_path: Path) -> None:
    result = cli_process(tmp_path, "train", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # undo argparse's line wrapping
    commands = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = [a for a in commands.choices["train"]._actions if a.option_strings and a.dest != "help"]
    assert len(options) > 30
    for action in options:
        assert action.option_strings[-1] in text, action.dest
        if action.default is not None:
            assert f"(default: {action.default})" in text, action.option_strings[-1]


def test_binary_file_is_refused_by_a_real_process(tmp_path: Path) -> None:
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    home = tmp_path / "home"
    result = cli_process(home, "train", "--train", str(binary), "--max-steps", "5", "--json")
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1 and str(binary) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "runs").exists() or not any((home / "runs").iterdir())


@pytest.mark.parametrize("case", ["empty", "missing", "binary", "negative-lr", "zero-budget"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_bad_input_gives_one_line_and_changes_nothing(case: str, as_json: bool, tmp_path: Path,
                                                      studio_home: Path, shakespeare_small: dict[str, Path],
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    good = str(shakespeare_small["train"])
    path = tmp_path / "corpus.txt"
    if case == "empty":
        path.write_text("")
    elif case == "binary":
        path.write_bytes(bytes(range(256)) * 20)
    args = {"empty": [str(path)], "missing": [str(tmp_path / "nope.txt")], "binary": [str(path)],
            "negative-lr": [good, "--lr", "-1"], "zero-budget": [good, "--time-budget", "0"]}[case]
    code = cli.main(["train", "--train", *args, "--threads", "1", *(["--json"] if as_json else [])])
    out, err = capfd.readouterr()
    assert code != 0
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "Traceback" not in out + err
    named = {"empty": str(path), "missing": "nope.txt", "binary": str(path), "negative-lr": "--lr",
             "zero-budget": "--time-budget"}[case]
    assert named in err
    assert not (studio_home / "runs").exists() or not any((studio_home / "runs").iterdir())


def test_ctrl_c_stops_cleanly_with_a_checkpoint_that_resumes(tmp_path: Path,
                                                             shakespeare_small: dict[str, Path]) -> None:
    import signal

    home = tmp_path / "home"
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(home), PYTHONPATH=str(REPO))
    args = [a if a != "120" else "100000" for a in TINY]  # far more steps than the test waits for
    proc = subprocess.Popen([sys.executable, "-m", "rnnlm_studio.cli", "train", "--train",
                             str(shakespeare_small["train"]), *args, "--json"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []
    for line in proc.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "step":
            proc.send_signal(signal.SIGINT)
            break
    events += [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    done = events[-1]
    assert done["event"] == "done" and done["reason"] == "stopped"
    saved = [e for e in events if e["event"] == "checkpoint" and e["tag"] == "last"][-1]
    assert saved["step"] == done["step"] < 100000
    resumed = cli_process(home, "train", "--resume", done["run_id"], "--max-steps", str(done["step"] + 10), "--json")
    assert resumed.returncode == 0, resumed.stderr
    start = json.loads(resumed.stdout.splitlines()[0])
    assert start["resumed_from_step"] == done["step"]
