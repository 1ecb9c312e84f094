"""Shared by the reliability tests and `python -m tests.bench.reliability`: tiny settings, the CLI as a
subprocess, and the checks that say "bad input changed nothing" and "a run folder is consistent"."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from rnnlm_studio.core.checkpoint import load_model_folder, load_training_state_meta
from rnnlm_studio.core.runs import DB_FILE, read_events

REPO = Path(__file__).resolve().parents[2]
TINY = ["--vocab-size", "300", "--emb-size", "32", "--hidden-size", "64", "--batch-size", "16", "--bptt", "16",
        "--precision", "fp32", "--threads", "1", "--warmup-steps", "5"]


def store_rows(home: Path) -> int:
    """Rows in the run store, read without creating it (a refusal must not even create the database)."""
    db = home / DB_FILE
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def run_folders(home: Path) -> list[Path]:
    runs = home / "runs"
    return sorted(runs.iterdir()) if runs.is_dir() else []


def assert_refused(code: int, err: str, named: str, home: Path) -> None:
    """The CLI contract for bad input: non-zero exit, one `error:` line naming the culprit, nothing on disk."""
    assert code != 0, err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert named in err, (named, err)
    assert "Traceback" not in err
    assert run_folders(home) == [] and store_rows(home) == 0


def cli_env(home: Path) -> dict[str, str]:
    return dict(os.environ, RNNLM_STUDIO_HOME=str(home), PYTHONPATH=str(REPO))


def cli_popen(home: Path, *args: str, **kwargs: Any) -> subprocess.Popen:
    """`rnnlm-studio ARGS` as a child process with its own data folder, stdout a pipe of lines."""
    return subprocess.Popen([sys.executable, "-m", "rnnlm_studio.cli", *args], cwd=REPO, env=cli_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def cli_run(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnlm_studio.cli", *args], cwd=REPO, env=cli_env(home),
                          capture_output=True, text=True, timeout=timeout)


def train_tiny(home: Path, data: dict[str, Path], steps: int) -> list[dict[str, Any]]:
    """A finished tiny run (evaluated every 10 steps) in `home`; returns its JSON events."""
    result = cli_run(home, "train", "--train", str(data["train"]), "--valid", str(data["valid"]), *TINY,
                     "--max-steps", str(steps), "--eval-every", "10", "--json")
    assert result.returncode == 0, result.stderr
    return json_events(result.stdout)


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def checkpoint_step(folder: Path) -> int:
    """The step a checkpoint holds, after proving it loads (weights, checksum, tokenizer, training state)."""
    load_model_folder(folder)
    return int(load_training_state_meta(folder)["step"])


def step_losses(run_dir: Path) -> dict[int, float]:
    """step -> logged training loss, asserting no step was logged twice."""
    steps = [e for e in read_events(run_dir) if e.get("event") == "step"]
    numbers = [e["step"] for e in steps]
    assert len(numbers) == len(set(numbers)), f"duplicated steps in metrics.jsonl: {sorted(numbers)}"
    return {e["step"]: e["loss"] for e in steps}
