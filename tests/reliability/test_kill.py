"""kill -9 during training (and inside checkpoint writes): the run folder always holds a loadable
checkpoint, the store opens, and resuming continues exactly where the checkpoint left off.

The default run kills three times; `python -m tests.bench.reliability` kills a dozen times.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rnnlm_studio.core.runs import RunStore
from tests.reliability.helpers import TINY, cli_run, json_events
from tests.reliability.killing import KillLog, continuity_problems, kill_and_resume


STEPS = 200  # long enough to outlive three kills, short enough for the default run


def train_args(data: dict[str, Path], steps: int) -> list[str]:
    """Frequent checkpoints (every 10 steps) so kills often land inside one."""
    return ["train", "--train", str(data["train"]), "--valid", str(data["valid"]), *TINY, "--lr", "0.01",
            "--max-steps", str(steps), "--eval-every", "10", "--eval-tokens", "512"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> tuple[Path, Path]:
    """(data folder, run folder) of the same run, never interrupted."""
    home = tmp_path_factory.mktemp("kill-home")
    result = cli_run(home, *train_args(shakespeare_small, STEPS), "--json")
    assert result.returncode == 0, result.stderr
    return home, Path(json_events(result.stdout)[-1]["run_dir"])


def test_killed_runs_resume_exactly_where_their_checkpoint_left_off(
        reference: tuple[Path, Path], shakespeare_small: dict[str, Path]) -> None:
    home, uninterrupted = reference
    log = KillLog()
    run_dir = kill_and_resume(home, train_args(shakespeare_small, STEPS), ["write", 0.4, "write"], log)
    assert log.kills == 3 and log.mid_write >= 1, log
    assert continuity_problems(run_dir, uninterrupted) == []
    assert RunStore(home).get(run_dir.name).status == "done"


def test_continuity_check_notices_a_replayed_step(reference: tuple[Path, Path], tmp_path: Path) -> None:
    """The check above can fail: a metrics file with one step logged twice is caught."""
    _, uninterrupted = reference
    lines = (uninterrupted / "metrics.jsonl").read_text().splitlines(keepends=True)
    step_line = next(line for line in lines if '"event": "step"' in line)
    (tmp_path / "metrics.jsonl").write_text("".join(lines) + step_line)
    with pytest.raises(AssertionError, match="duplicated steps"):
        continuity_problems(tmp_path, uninterrupted)
