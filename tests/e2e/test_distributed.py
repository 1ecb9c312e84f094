"""`train --nproc 2` under torchrun (gloo on the CPU) against one process with the same global batch.

Two processes of 16 rows each train on exactly the rows one process of 32 rows trains on
(the batcher deals out one layout by rank), DDP averages their equal-sized gradients, and
evaluation sums are all-reduced. With dropout off nothing random differs, so the curves may
differ only by floating-point summation order: measured at about 1e-6 nats. The tolerance,
1e-3 nats, is far above that and far below what a real fault gives (a rank training on the
wrong rows, gradients not averaged, or rank 0 logging only its own loss move the curve by
hundredths of a nat or more within a few steps).
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rnnlm_studio.cli import _worker_argv
from rnnlm_studio.core.runs import RunStore, read_events
from tests.e2e.test_cli import cli_process

TOLERANCE = 1e-3  # nats; see the module docstring
TINY = ["--vocab-size", "300", "--emb-size", "32", "--hidden-size", "64", "--bptt", "16", "--lr", "0.03",
        "--warmup-steps", "5", "--max-steps", "30", "--eval-every", "10", "--precision", "fp32", "--threads", "1",
        "--dropout-input", "0", "--dropout-hidden", "0", "--dropout-output", "0", "--json"]


def train_json(home: Path, data: dict[str, Path], *args: str) -> subprocess.CompletedProcess:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GLOO_SOCKET_IFNAME", "lo")  # loopback only
        patch.setenv("MASTER_ADDR", "127.0.0.1")
        return cli_process(home, "train", "--train", str(data["train"]), "--valid", str(data["valid"]),
                           "--test", str(data["test"]), *TINY, *args, timeout=180)


def events_of(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def curve(events: list[dict]) -> list[tuple[str, int, int, float]]:
    return [(e["event"], e["step"], e["tokens_seen"], e["loss"]) for e in events if e["event"] in ("step", "eval")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> dict:
    single_home, pair_home = tmp_path_factory.mktemp("one-process"), tmp_path_factory.mktemp("two-processes")
    # weights averaged over the last half: each rank keeps the mean of identical weights, so the same mean
    single = train_json(single_home, shakespeare_small, "--batch-size", "32", "--average-from", "0.5")
    pair = train_json(pair_home, shakespeare_small, "--batch-size", "16", "--nproc", "2", "--average-from", "0.5")
    return {"single": events_of(single), "pair": events_of(pair), "pair_home": pair_home}


def test_two_processes_follow_the_single_process_curve(runs: dict) -> None:
    single, pair = curve(runs["single"]), curve(runs["pair"])
    assert [point[:3] for point in pair] == [point[:3] for point in single]  # same steps, same global tokens
    assert len([p for p in pair if p[0] == "step"]) == 3
    for (_, step, _, got), (_, _, _, want) in zip(pair, single):
        assert got == pytest.approx(want, abs=TOLERANCE), step
    for split in ("valid", "test"):
        assert runs["pair"][-1][split]["loss"] == pytest.approx(runs["single"][-1][split]["loss"], abs=TOLERANCE)


def test_only_rank_zero_prints_and_writes(runs: dict) -> None:
    events, home = runs["pair"], runs["pair_home"]
    assert events[-1]["event"] == "done" and events[-1]["reason"] == "budget"
    assert [e["event"] for e in events].count("start") == 1
    assert [e["step"] for e in events if e["event"] == "average"] == [15]  # once, from rank 0
    run_dir = Path(events[-1]["run_dir"])
    assert [p.name for p in (home / "runs").iterdir()] == [run_dir.name]
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best", "last"]
    records = RunStore(home).list()
    assert [(r.id, r.status) for r in records] == [(events[-1]["run_id"], "done")]
    assert [e["event"] for e in read_events(run_dir)] == [e["event"] for e in events]  # each event once


def test_workers_get_the_command_without_the_launcher_option() -> None:
    assert _worker_argv(["train", "--nproc", "2", "--json"]) == ["train", "--json"]
    assert _worker_argv(["train", "--nproc=2", "--bptt", "16"]) == ["train", "--bptt", "16"]
