"""A study's runs as child processes: `python -m rnnlm_studio.cli train ... --json`, the command the GUI
starts for a run in a child process and one a user could type. Shared by the local backend
(core/study_runner.py) and the Ray backend (core/study_ray.py), whose tasks run the same command.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable

from .study import StudySpec

STDERR_TAIL = 20


class StudyControl:
    """Stop: no new run starts, and running children are asked to stop (SIGTERM, which their CLI
    turns into a clean stop); their runs stay unfinished, to be re-run by a resume."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._children: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Once: a child's CLI takes a second SIGTERM as "abort without a checkpoint"."""
        with self._lock:
            if self._stop.is_set():
                return
            self._stop.set()
            for child in self._children:
                child.terminate()

    def abort(self) -> None:
        """The second signal, which a child's CLI takes as "abort at once": Ctrl-C pressed again."""
        with self._lock:
            self._stop.set()
            for child in self._children:
                child.terminate()

    def watch(self, child: subprocess.Popen, add: bool) -> None:
        """A child started after the stop is stopped here, the others by `stop`: each signalled once."""
        with self._lock:
            if not add:
                self._children.discard(child)
            elif self._stop.is_set():
                child.terminate()
            else:
                self._children.add(child)


# A launcher runs one `train` argv to its end, handing each stdout line to `on_line`, and returns the
# tail of its stderr (why it failed, when it did).
Launcher = Callable[[list[str], dict[str, str], Callable[[str], None], StudyControl], list[str]]


def child_command(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "rnnlm_studio.cli", "train", *argv, "--json"]


def launch_local(argv: list[str], env: dict[str, str], on_line: Callable[[str], None],
                 control: StudyControl) -> list[str]:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        # a session of its own: a terminal's Ctrl-C reaches the study, which stops its children once
        # (a second signal would make a child abort without its checkpoint)
        child = subprocess.Popen(child_command(argv), stdout=subprocess.PIPE, stderr=errors, text=True,
                                 encoding="utf-8", errors="replace", env=env, start_new_session=True)
        control.watch(child, True)
        try:
            assert child.stdout is not None
            for line in child.stdout:
                on_line(line)
            child.wait()
        finally:
            control.watch(child, False)
            if child.poll() is None:  # this thread was interrupted (a cancelled Ray task): no orphan run
                child.terminate()
                child.wait()
        errors.seek(0)
        return [line.rstrip() for line in errors.read().splitlines() if line.strip()][-STDERR_TAIL:]


def child_env(threads: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The children's environment: this one, with their share of the threads for OpenMP as well."""
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), **(extra or {})}


def threads_per_job(spec: StudySpec) -> int:
    """`--threads` as given, else this machine's cores divided between the runs that train at once."""
    given = int(spec.base.get("threads") or 0)
    return given or max(1, (os.cpu_count() or 1) // spec.jobs)
