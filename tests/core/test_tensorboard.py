"""TensorBoard event files, read back with tensorboard's own reader (which checks every CRC)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlm_studio import train
from rnnlm_studio.core.runs import read_events

accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

TINY = dict(vocab_size=300, emb_size=32, hidden_size=64, batch_size=16, bptt=16, lr=3e-2, warmup_steps=5,
            precision="fp32", device="cpu", threads=1, max_steps=30, eval_every=10)


def read_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    acc = accumulator.EventAccumulator(str(folder))
    acc.Reload()
    return {tag: [(s.step, s.value) for s in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def expected(events: list[dict], kind: str, key: str, **match) -> list[tuple[int, float]]:
    return [(e["step"], pytest.approx(e[key], rel=1e-6)) for e in events
            if e["event"] == kind and all(e.get(k) == v for k, v in match.items())
            and not e.get("extra", {}).get("final")]


def test_training_writes_event_files_while_it_runs(shakespeare_small: dict[str, Path], tmp_path: Path) -> None:
    run = train(shakespeare_small["train"], valid=str(shakespeare_small["valid"]), tensorboard=str(tmp_path / "tb"),
                **TINY)
    done = run.run()
    folder = tmp_path / "tb" / done.run_id
    scalars = read_scalars(folder)
    stored = read_events(Path(done.run_dir))
    assert scalars["train/loss"] == expected(stored, "step", "loss")
    assert scalars["train/lr"] == expected(stored, "step", "lr")
    assert {"train/grad_norm", "train/tokens_per_s", "valid/ppl", "valid/bpb"} <= set(scalars)
    assert not any("cached" in name for name in scalars)  # the neural cache is off by default
    assert scalars["valid/word_ppl"] == expected(stored, "eval", "word_ppl", split="valid")
    assert [step for step, _ in scalars["valid_final/loss"]] == [30]


def test_export_tb_command_writes_stored_runs(shakespeare_small: dict[str, Path], tmp_path: Path,
                                              studio_home: Path) -> None:
    done = train(shakespeare_small["train"], valid=str(shakespeare_small["valid"]), name="tb-export", **TINY).run()
    logdir = tmp_path / "logs"
    argv = [sys.executable, "-m", "rnnlm_studio.cli", "export-tb", "tb-export", "--logdir", str(logdir)]
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(studio_home))
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    scalars = read_scalars(logdir / done.run_id)
    stored = read_events(Path(done.run_dir))
    assert scalars["train/loss"] == expected(stored, "step", "loss")
    assert scalars["valid/bpb"] == expected(stored, "eval", "bpb", split="valid")


def test_export_tb_unknown_run_is_one_line_and_writes_nothing(tmp_path: Path, studio_home: Path) -> None:
    argv = [sys.executable, "-m", "rnnlm_studio.cli", "export-tb", "no-such-run", "--logdir", str(tmp_path / "logs")]
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(studio_home))
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1 and "no-such-run" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_unwritable_logdir_warns_and_the_run_goes_on(shakespeare_small: dict[str, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    events = list(train(shakespeare_small["train"], valid=str(shakespeare_small["valid"]),
                        tensorboard=str(blocker / "tb"), **TINY))
    warnings = [e.message for e in events if e.kind == "log" and "TensorBoard" in e.message]
    assert len(warnings) == 1 and "export-tb" in warnings[0]
    assert events[-1].kind == "done" and events[-1].reason == "budget"
