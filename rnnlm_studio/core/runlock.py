"""One trainer per run: an advisory lock file in the run folder, holding the trainer's process id.

Two processes resuming the same run would write duplicate steps into `metrics.jsonl` and
overwrite each other's checkpoints, and a run killed by kill -9 would show "running" forever.
Both are answered by `flock(2)` on `RUN_DIR/lock`: the kernel drops the lock the moment its
holder dies, however it dies, so "is the lock held?" tells a live run from a dead one with no
heartbeat, no clock and no stale-pid guessing. `flock` (unlike `fcntl` record locks) belongs to
the open file, so a reader probing the lock from the GUI's process never releases the lock its
own training thread holds.
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import StudioError

LOCK_FILE = "lock"
_ACQUIRE_TRIES = 20  # a reader's probe holds a shared lock for microseconds: retry briefly past it
_ACQUIRE_WAIT_S = 0.05
_held: dict[Path, int] = {}  # run folder -> the open descriptor that holds its lock in this process


def acquire(run_dir: Path) -> None:
    """Take the run's lock for this process, or refuse with the holder's process id."""
    run_dir = Path(run_dir).resolve()
    if run_dir in _held:
        raise StudioError(f"run {run_dir.name} is already being trained in this process: "
                          "wait for it to finish or stop it first")
    fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        for attempt in range(_ACQUIRE_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == _ACQUIRE_TRIES - 1:
                    raise
                time.sleep(_ACQUIRE_WAIT_S)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except BlockingIOError:
        os.close(fd)
        pid = _recorded_pid(run_dir)
        who = f"process {pid}" if pid else "another process"
        raise StudioError(f"run {run_dir.name} is being trained by {who}: wait for it to finish, or stop it "
                          "(Stop in the app, Ctrl-C or `kill` for the CLI) before resuming it") from None
    except BaseException:
        os.close(fd)
        raise
    _held[run_dir] = fd


def release(run_dir: Path) -> None:
    """Give the lock back (closing the descriptor drops it); nothing happens if this process has none."""
    fd = _held.pop(Path(run_dir).resolve(), None)
    if fd is not None:
        os.close(fd)


def holder(run_dir: Path) -> int | None:
    """The process id training the run, or None when nothing does (never started, finished or killed)."""
    run_dir = Path(run_dir).resolve()
    if run_dir in _held:
        return os.getpid()
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None  # no lock file: no trainer ever took it (or the folder is gone)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _recorded_pid(run_dir) or -1
    except OSError:
        return None
    finally:
        os.close(fd)  # also drops the shared lock a successful probe took
    return None


def _recorded_pid(run_dir: Path) -> int | None:
    try:
        return int((run_dir / LOCK_FILE).read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None
