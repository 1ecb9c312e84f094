"""`study --backend ray`: each run of a study a Ray task, its results brought back into the local store.

A task runs the same child command as the local backend (`train ... --json`), on whichever node Ray
picks, in a data folder of its own; when it ends it sends back the lines the run printed, its run
folder (as an archive) and its store row, and the study adopts the folder and the row here. So the
study's store holds every run, whichever machine trained it. A task asks Ray for the run's CPU
threads (and a GPU with `--device cuda`). The nodes need rnnlm-studio installed and the study's
texts and source model at the same paths (a shared file system, or a copy at each).
"""
from __future__ import annotations

import io
import os
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import StudioError
from .runs import RunStore
from .study import StudySpec
from .study_launch import Launcher, StudyControl, launch_local, threads_per_job

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")  # with what else the study sets for its runs
POLL_S = 0.5


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise StudioError("--backend ray needs Ray, which is not installed: pip install 'rnnlm-studio[ray]' "
                          "(or run the study with --backend local)") from None
    return ray


def train_task(argv: list[str], env: dict[str, str]) -> tuple[list[str], list[str], bytes, list[dict], str]:
    """On a Ray worker: one run in a data folder of its own; returns its printed lines, its stderr
    tail, its run folder as a tar archive, its store row and the folder it ran in."""
    with tempfile.TemporaryDirectory(prefix="rnnlm-study-") as home:
        lines: list[str] = []
        tail = launch_local(argv, {**os.environ, **env, "RNNLM_STUDIO_HOME": home}, lines.append, StudyControl())
        store = RunStore(Path(home))
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            for record in store.list():
                tar.add(record.run_dir, arcname=record.id)
        return lines, tail, archive.getvalue(), [r.to_dict() for r in store.list()], home


def _adopt(store: RunStore, archive: bytes, records: list[dict]) -> None:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        tar.extractall(store.runs_root, filter="data")  # no links out, no absolute paths
    for record in records:
        record = {**record, "status": "failed" if record["status"] in ("created", "running") else record["status"]}
        store.adopt(record)


def ray_launcher(spec: StudySpec) -> Launcher:
    ray = _import_ray()
    if not ray.is_initialized():
        ray.init(address=spec.address, log_to_driver=False)
    gpus = 1 if spec.base.get("device") == "cuda" else 0
    task = ray.remote(train_task).options(num_cpus=threads_per_job(spec), num_gpus=gpus)
    store = RunStore()

    def launch(argv: list[str], env: dict[str, str], on_line: Callable[[str], None],
               control: StudyControl) -> list[str]:
        ref = task.remote(argv, {k: v for k, v in env.items() if k in THREAD_VARS or os.environ.get(k) != v})
        while not ray.wait([ref], timeout=POLL_S)[0]:
            if control.stopped:
                ray.cancel(ref)
                return ["the run was stopped"]
        lines, tail, archive, records, home = ray.get(ref)
        _adopt(store, archive, records)
        there, here = str(Path(home) / "runs"), str(store.runs_root)
        for line in lines:
            on_line(line.replace(there, here))
        return tail

    return launch
