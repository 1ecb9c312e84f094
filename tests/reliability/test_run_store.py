"""The SQLite run store under pressure: several processes writing at once lose nothing and never see
"database is locked"; a process killed mid-write leaves a store that opens, passes its integrity check
and holds every run whose write had committed."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from rnnlm_studio.core.runs import DB_FILE, RunStore
from tests.reliability.helpers import REPO, cli_env
from tests.reliability.store_worker import UPDATES

WRITERS = 3
RUNS_EACH = 40
KILLS = 5


def worker(home: Path, tag: str, runs: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.store_worker", str(home), tag, str(runs)],
                            cwd=REPO, env=cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def integrity(home: Path) -> str:
    with sqlite3.connect(home / DB_FILE) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_concurrent_writers_on_a_fresh_store_lose_nothing(tmp_path: Path) -> None:
    """All writers start together on a store that does not exist yet, so creating it races too."""
    procs = [worker(tmp_path, f"w{i}", RUNS_EACH) for i in range(WRITERS)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0 and err == "", err
    committed = {line for out, _ in outputs for line in out.split()}
    records = RunStore(tmp_path).list()
    assert len(committed) == WRITERS * RUNS_EACH
    assert {r.id for r in records} == committed
    assert all(r.step == UPDATES and r.best == {"loss": 1.0 / UPDATES} for r in records)
    assert integrity(tmp_path) == "ok"


def test_a_writer_killed_mid_write_leaves_a_sound_store(tmp_path: Path) -> None:
    """What the store guarantees whenever the kill lands: every run the writer reported (its last
    update committed) is there with all its updates, at most one more run (the one in flight) is
    there half-updated, the database passes its integrity check, and a killed writer's runs show as
    interrupted, not running. The ids are read through the same buffered reader until EOF: reading
    the first line through `proc.stdout` and the rest with `communicate()` (which reads the raw pipe)
    lost the lines that first read had buffered, which is what made this test flaky."""
    before: set[str] = set()
    RunStore(tmp_path)
    for kill in range(KILLS):
        proc = worker(tmp_path, f"k{kill}", 0)
        committed = {proc.stdout.readline().strip()}  # writing is under way
        time.sleep(0.05 * kill)
        proc.send_signal(signal.SIGKILL)
        committed.update(proc.stdout.read().split())
        proc.wait()
        proc.stderr.close()
        records = {r.id: r for r in RunStore(tmp_path).list()}  # opens after every kill
        new = set(records) - before
        assert committed <= new and len(new - committed) <= 1  # at most the run whose updates were cut short
        assert all(records[run_id].step == UPDATES for run_id in committed)
        assert all(0 <= r.step <= UPDATES for r in records.values())
        assert {records[run_id].status for run_id in new} == {"interrupted"}
        assert integrity(tmp_path) == "ok"
        before |= new
