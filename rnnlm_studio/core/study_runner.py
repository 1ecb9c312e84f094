"""Running a study: each unfinished run of the plan as a child process, `--jobs` at a time.

A run is `python -m rnnlm_studio.cli train ... --json`, the command the GUI starts for a run in a
child process and one a user could type, so a study's runs are ordinary runs in the store, and a
study killed mid-run leaves nothing the next start cannot redo: a run counts only once its done
event (budget reached, not stopped) is in state.json, and resuming re-runs every other one. With
`--jobs N` the CPU threads are divided between the N children, so they do not fight over cores.

The `ray` backend hands each run to a Ray task instead (core/study_ray.py); the loop, the state
and the events are the same.
"""
from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import StudioError
from .events import Event
from .runs import RunStore
from .study import Job, Plan, StudyFolder, StudySpec, cells_of, make_plan, result_fields, summarise, summarise_cell
from .study_launch import Launcher, StudyControl, child_env, launch_local, threads_per_job
from .train_options import train_argv


@dataclass
class StudyStartEvent(Event):
    kind: ClassVar[str] = "study_start"
    study_dir: str
    name: str
    axes: list[tuple[str, list[str]]]
    cells: int
    runs: int
    pending: int  # runs still to train (all of them, unless resumed)
    jobs: int


@dataclass
class RunStartedEvent(Event):
    kind: ClassVar[str] = "study_run_start"
    job: str
    role: str  # transfer or baseline
    repeat: int
    run_id: str
    run_dir: str


@dataclass
class RunFinishedEvent(Event):
    """A run ended: `ok` with its figures, or not with the message saying why. `finished` and `total`
    count the study's runs; `eta` is the seconds the rest should take at the pace so far."""

    kind: ClassVar[str] = "study_run_done"
    job: str
    role: str
    repeat: int
    ok: bool
    finished: int
    total: int
    eta: float | None
    run_id: str | None = None
    bpb: float | None = None
    word_ppl: float | None = None
    message: str = ""


@dataclass
class CellEvent(Event):
    """A cell gained a finished pair (transfer run and baseline); `complete` once all its repeats have."""

    kind: ClassVar[str] = "study_cell"
    index: int
    complete: bool
    cell: dict[str, Any]


@dataclass
class StudyDoneEvent(Event):
    """The last line of `study --json`: the contract in DESIGN.md (one entry per cell)."""

    kind: ClassVar[str] = "study_done"
    study_dir: str
    cells: list[dict[str, Any]] = field(default_factory=list)


STUDY_EVENTS = {cls.kind: cls for cls in (StudyStartEvent, RunStartedEvent, RunFinishedEvent, CellEvent,
                                          StudyDoneEvent)}


class _Pace:
    """The study's ETA: runs left x the mean wall time of a run so far / runs at once (before any run
    has finished, the time budget stands in for it)."""

    def __init__(self, spec: StudySpec) -> None:
        self.jobs = spec.jobs
        self.guess = spec.base.get("time_budget")
        self.walls: list[float] = []

    def eta(self, left: int) -> float | None:
        per_run = sum(self.walls) / len(self.walls) if self.walls else self.guess
        return None if per_run is None else per_run * -(-left // self.jobs)


def _run_job(job: Job, threads: int, env: dict[str, str], launcher: Launcher, control: StudyControl,
             out: queue.Queue) -> None:
    """In a pool thread: one child run; every line it prints goes to the study loop, then its end."""
    argv = train_argv(job.config)
    if not job.config.threads:
        argv += ["--threads", str(threads)]
    started = time.perf_counter()
    try:
        tail = launcher(argv, env, lambda line: out.put((job, "line", line)), control)
    except Exception as exc:  # a launcher that could not start the run: the study goes on without it
        tail = [f"error: could not start the run ({exc})"]
    out.put((job, "end", (tail, time.perf_counter() - started)))


class StudyRun:
    """One pass over a study's unfinished runs; iterate `events()`. `env` goes to every run's process on
    top of this one's environment (the window's wording for the messages its runs print)."""

    def __init__(self, folder: StudyFolder, control: StudyControl | None = None,
                 launcher: Launcher | None = None, env: dict[str, str] | None = None,
                 plan: Plan | None = None) -> None:
        self.folder, self.spec, self.env = folder, folder.spec, env or {}
        self.control = control or StudyControl()
        self.launcher = launcher or _backend_launcher(self.spec)
        self.plan: Plan = plan or make_plan(self.spec)
        self.pace = _Pace(self.spec)
        self._seen: dict[str, dict[str, Any]] = {}  # job -> the child's start and done events

    def events(self) -> Iterator[Event]:
        with self.folder.running():
            yield from self._events()

    def _events(self) -> Iterator[Event]:
        jobs = list(self.plan.jobs.values())
        pending = [job for job in jobs if not self.folder.done(job.key)]
        finished = len(jobs) - len(pending)
        yield StudyStartEvent(str(self.folder.path), self.spec.name, self.spec.axes, len(self.plan.cells),
                              len(jobs), len(pending), self.spec.jobs)
        out: queue.Queue = queue.Queue()
        threads = threads_per_job(self.spec)
        env = child_env(threads, self.env)
        waiting = iter(pending)
        with ThreadPoolExecutor(self.spec.jobs, thread_name_prefix="study") as pool:
            def submit() -> int:  # the next run, unless the study was stopped meanwhile
                job = None if self.control.stopped else next(waiting, None)
                if job is not None:
                    pool.submit(_run_job, job, threads, env, self.launcher, self.control, out)
                return int(job is not None)

            running = sum(submit() for _ in range(self.spec.jobs))
            try:
                while running:
                    job, what, value = out.get()
                    if what == "line":
                        yield from self._line(job, value)
                        continue
                    running -= 1
                    finished += self._ended(job, *value)
                    yield from self._report(job, finished, len(jobs), len(jobs) - finished)
                    running += submit()  # after the events, so a stop they prompt is seen first
            except KeyboardInterrupt:  # a second Ctrl-C (the first asked for a stop): the runs abort too
                self.control.abort()
                raise
            finally:
                if running:  # left early (closed, interrupted): the children stop with a checkpoint
                    self.control.stop()
        yield StudyDoneEvent(str(self.folder.path), [s.contract() for s in summarise(self.plan, self.folder.state)])

    def _line(self, job: Job, line: str) -> Iterator[Event]:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "start":
            self._seen[job.key] = {"start": event}
            self.folder.record(job.key, status="running", run_id=event["run_id"], run_dir=event["run_dir"])
            yield RunStartedEvent(job.key, job.role, job.repeat, event["run_id"], event["run_dir"])
        elif kind in ("done", "error"):
            self._seen.setdefault(job.key, {})[kind] = event

    def _ended(self, job: Job, tail: list[str], wall: float) -> int:
        seen = self._seen.pop(job.key, {})
        done = seen.get("done")
        if done is not None and done.get("reason") != "stopped":
            self.folder.record(job.key, **result_fields(done), wall=wall)
            self.pace.walls.append(wall)
            return 1
        if done is not None or self.control.stopped:
            message = "stopped: it will be trained again when the study is resumed"
        else:
            message = _failure(seen.get("error"), tail)
        self.folder.record(job.key, status="stopped" if self.control.stopped else "failed", message=message)
        return 0

    def _report(self, job: Job, finished: int, total: int, left: int) -> Iterator[Event]:
        state = self.folder.state.get(job.key, {})
        ok = state.get("status") == "done"
        yield RunFinishedEvent(job.key, job.role, job.repeat, ok, finished, total,
                               self.pace.eta(left) if left else 0.0, state.get("run_id"),
                               state.get("bpb") if ok else None, state.get("word_ppl") if ok else None,
                               "" if ok else state.get("message", ""))
        if not ok:
            return
        for cell in cells_of(self.plan, job.key):
            pair = (cell.runs[job.repeat], cell.baselines[job.repeat])
            if all(self.folder.done(key) for key in pair):  # this seed's pair is whole now
                _link(*(self.folder.state[key]["run_id"] for key in pair))
                summary = summarise_cell(cell, self.folder.state, self.plan.train_bytes.get(cell.axes.get("fraction", "")))
                yield CellEvent(cell.index, summary.complete, summary.contract())


def _link(run_id: str, baseline_id: str) -> None:
    """A cell's run and its baseline, linked in the store as `train --baseline` links them, so the Runs
    panel shows the gain beside the run. A run deleted from the store meanwhile is no reason to stop:
    the study keeps its figures in state.json."""
    try:
        RunStore().link_baseline(run_id, baseline_id)
    except StudioError:
        pass


def _failure(error: dict[str, Any] | None, tail: list[str]) -> str:
    """The run's own error event, else the CLI's one `error:` line, else the tail of its stderr."""
    if error is not None:
        return str(error.get("message", "the run failed"))
    clear = [line.removeprefix("error: ") for line in tail if line.startswith("error: ")]
    return clear[-1] if clear else "\n".join(["the run failed", *tail])


def _backend_launcher(spec: StudySpec) -> Launcher:
    if spec.backend == "ray":
        from .study_ray import ray_launcher

        return ray_launcher(spec)
    return launch_local


def start_study(spec: StudySpec, control: StudyControl | None = None,
                launcher: Launcher | None = None, env: dict[str, str] | None = None) -> StudyRun:
    """A new study: checked and planned (data, sources, layers' names) before its folder is written, so
    bad input leaves nothing behind."""
    spec.validate()
    plan = make_plan(spec)  # reads every corpus and source once: planning is not free on big data
    return StudyRun(StudyFolder.create(spec), control, launcher, env, plan)


def resume_study(ref: str, control: StudyControl | None = None, launcher: Launcher | None = None,
                 jobs: int | None = None, env: dict[str, str] | None = None, device: str | None = None) -> StudyRun:
    """`jobs` and `device` are chosen anew: a study stopped on a GPU may resume on the CPU, and the other way
    round (its runs would ask for the device of the day it started, which `env` may no longer show them)."""
    folder = StudyFolder.open(ref)
    if jobs is not None:
        folder.spec.jobs = jobs
    if device is not None:
        folder.spec.base = {**folder.spec.base, "device": device}
    return StudyRun(folder, control, launcher, env)
