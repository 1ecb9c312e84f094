"""SIGKILL a training process at chosen moments and check what it leaves behind.

Shared by tests/reliability/test_kill.py (a few kills) and `python -m tests.bench.reliability` (many).
A moment is "write": the instant a checkpoint's temp folder appears, so the kill lands inside a
checkpoint write; or a float: seconds after the process's first checkpoint event.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from rnnlm_studio.core.checkpoint import checkpoint_problem, recover_dir
from rnnlm_studio.core.runs import RunStore, read_events
from tests.reliability.helpers import checkpoint_step, cli_popen, step_losses

Moment = str | float


@dataclass
class KillLog:
    kills: int = 0
    mid_write: int = 0  # kills that left a checkpoint write unfinished (a temp or old folder behind)
    late: int = 0  # kills that landed after the run had finished (its process was only exiting)
    resumes: int = 0
    steps_at_kill: list[int] = field(default_factory=list)


def _wait_for_checkpoint(proc: subprocess.Popen) -> dict:
    """Read events until the first checkpoint event; returns the start event."""
    start = None
    for line in proc.stdout:
        event = json.loads(line)
        start = start or event
        if event["event"] == "checkpoint":
            return start
    raise AssertionError(f"the run ended before its first checkpoint: {proc.stderr.read()}")


def _wait_for_write(checkpoints: Path, proc: subprocess.Popen, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if any(".tmp-" in name for name in os.listdir(checkpoints)):
            return
        time.sleep(0.0005)


def kill_once(home: Path, args: list[str], moment: Moment, log: KillLog) -> tuple[Path, bool]:
    """Start `rnnlm-studio ARGS --json`, SIGKILL it at `moment`, check the run folder; returns it and
    whether the run was still training (a kill can land while a finished run's process exits)."""
    proc = cli_popen(home, *args, "--json")
    try:
        run_dir = Path(_wait_for_checkpoint(proc)["run_dir"])
        if moment == "write":
            _wait_for_write(run_dir / "checkpoints", proc)
        else:
            time.sleep(float(moment))
        if proc.poll() is None:  # else it finished first: the store must then say "done"
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    if RunStore(home).get(run_dir.name).status == "done":
        log.late += 1
        return run_dir, False
    log.kills += 1
    log.mid_write += any(p.name.startswith(".") for p in (run_dir / "checkpoints").iterdir())
    log.steps_at_kill.append(check_killed_run(home, run_dir))
    return run_dir, True


def check_killed_run(home: Path, run_dir: Path) -> int:
    """What a kill during training must leave: an intact, resumable `last` checkpoint and a store that
    opens with the run, shown as interrupted (its lock died with its process)."""
    last = run_dir / "checkpoints" / "last"
    recover_dir(last)
    assert checkpoint_problem(last, resumable=True) is None, checkpoint_problem(last, resumable=True)
    record = RunStore(home).get(run_dir.name)
    assert record.run_dir == run_dir and record.status == "interrupted", record.status  # dead, not "running"
    return checkpoint_step(last)


def kill_and_resume(home: Path, train_args: list[str], moments: list[Moment], log: KillLog) -> Path:
    """A fresh run killed at the first moment, resumed and killed at each next one, then resumed to the end."""
    run_dir, training = kill_once(home, train_args, moments[0], log)
    resume = ["train", "--resume", run_dir.name, "--threads", "1"]
    for moment in moments[1:]:
        if not training:
            return run_dir  # the last kill found the run finished: nothing left to resume
        _, training = kill_once(home, resume, moment, log)
        log.resumes += 1
    if not training:
        return run_dir
    proc = cli_popen(home, *resume, "--json")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    log.resumes += 1
    return run_dir


def continuity_problems(run_dir: Path, reference: Path) -> list[str]:
    """How a killed-and-resumed run's metrics differ from an uninterrupted run with the same settings:
    a step missing or logged twice, a loss or learning rate that differs (optimiser, LR schedule and RNG
    all feed the loss), or an evaluation repeated."""
    problems = []
    got, want = step_losses(run_dir), step_losses(reference)
    if sorted(got) != sorted(want):
        problems.append(f"steps differ: missing {sorted(set(want) - set(got))}, extra {sorted(set(got) - set(want))}")
    problems += [f"step {s}: loss {got[s]} != {want[s]}" for s in sorted(set(got) & set(want))
                 if abs(got[s] - want[s]) > 1e-4 * abs(want[s])]
    lrs = [{e["step"]: e["lr"] for e in read_events(d) if e.get("event") == "step"} for d in (run_dir, reference)]
    problems += [f"step {s}: lr {lrs[0][s]} != {lrs[1][s]}" for s in lrs[1] if s in lrs[0]
                 and abs(lrs[0][s] - lrs[1][s]) > 1e-9]
    evals = [e["step"] for e in read_events(run_dir) if e.get("event") == "eval" and not e.get("extra")]
    if len(evals) != len(set(evals)):
        problems.append(f"evaluations repeated: {evals}")
    return problems
