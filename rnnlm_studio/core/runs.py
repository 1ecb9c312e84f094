"""The run store: a SQLite registry of runs plus one folder per run.

The GUI and one or more CLI training processes read and write the registry at the same
time. So the database runs in WAL mode (readers never block the writer) with a 30 s busy
timeout, every call opens its own short-lived connection (safe from any thread or
process), and every write is one short `BEGIN IMMEDIATE` transaction: taking the write
lock up front means two writers queue on the busy timeout instead of deadlocking on a
read-to-write upgrade. A kill -9 loses at most the transaction in flight.

Each run folder's `metrics.jsonl` is append-only; a line torn by a killed process is
skipped on read, never fatal. Events logged after the checkpoint a killed run resumes from
are produced again by the resumed run, so the resume first cuts the file back to that
checkpoint's step (trainer `_truncate_metrics`): every step appears exactly once.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import shutil
import sqlite3
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import paths, runlock
from .errors import StudioError
from .events import Event

STATUSES = ("created", "running", "paused", "stopped", "done", "failed")
# A row says one of these while its trainer lives; with no live trainer holding the run's lock
# (core/runlock.py) it is shown as "interrupted": killed, resumable from its last checkpoint.
LIVE_STATUSES = frozenset({"created", "running", "paused"})
INTERRUPTED = "interrupted"
METRICS_FILE = "metrics.jsonl"
DB_FILE = "runs.sqlite"
BUSY_TIMEOUT_S = 30.0

# One tuple of statements per schema version; user_version counts the ones applied.
# Append new migrations, never edit old ones.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            status TEXT NOT NULL,
            source TEXT,
            transfer TEXT NOT NULL,
            tokenizer TEXT,
            config TEXT NOT NULL,
            run_dir TEXT NOT NULL,
            data_bytes INTEGER NOT NULL DEFAULT 0,
            best TEXT NOT NULL DEFAULT '{}',
            final TEXT NOT NULL DEFAULT '{}',
            baseline_id TEXT,
            step INTEGER NOT NULL DEFAULT 0,
            tokens_seen INTEGER NOT NULL DEFAULT 0,
            elapsed REAL NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX runs_by_created ON runs (created)",
    ),
)
_JSON_FIELDS = ("config", "best", "final")
_UPDATABLE = frozenset({"status", "best", "final", "step", "tokens_seen", "elapsed", "tokenizer",
                        "baseline_id", "name", "config", "data_bytes"})
_GENERIC_STEMS = frozenset({"input", "train", "training", "data", "text", "corpus", "all"})

PROGRESS_EVERY_S = 30.0  # how often the store hears a run's step and time between evaluations (the Runs panel reads them)


@dataclass
class RunRecord:
    id: str
    name: str
    created: float
    updated: float
    status: str
    source: str | None
    transfer: str
    tokenizer: str | None  # fingerprint: runs are comparable on token ppl only when equal
    config: dict[str, Any]
    run_dir: Path
    data_bytes: int
    best: dict[str, Any]
    final: dict[str, Any]
    baseline_id: str | None  # the matched scratch run of a transfer run
    step: int
    tokens_seen: int
    elapsed: float

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "run_dir": str(self.run_dir)}


class RunStore:
    """The registry of runs under one data folder (the app's, or `home` in tests and scripts)."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home is not None else paths.data_home()
        self.runs_root = self.home / "runs"
        self.db_path = self.home / DB_FILE
        # A read-only data folder (a mounted backup, a shared copy) can still be listed and read.
        self.read_only = not os.access(self.home, os.W_OK) or (self.db_path.exists()
                                                                and not os.access(self.db_path, os.W_OK))
        if not self.read_only:
            self.runs_root.mkdir(parents=True, exist_ok=True)
        self._migrate()

    def create(self, *, name: str | None, config: dict[str, Any], source: str | None, transfer: str,
               data_bytes: int = 0, tokenizer: str | None = None,
               baseline_id: str | None = None) -> RunRecord:
        """Reserve a fresh run folder and register the run with status "created", its lock held by this
        process until the run driver releases it (or the process dies). The folder goes under the
        store's `runs/`, or under the config's `output_dir` (`train --output-dir`)."""
        name = name.strip() if name and name.strip() else default_name(config, transfer)
        now = time.time()
        root = _runs_root(config.get("output_dir")) or self.runs_root
        for _ in range(20):
            run_id = _new_id(name, now)
            run_dir = root / run_id
            try:
                run_dir.mkdir(parents=True)  # atomic across processes: the folder is the reservation
            except FileExistsError:
                continue
            try:
                runlock.acquire(run_dir)
                with self._write() as conn:
                    conn.execute(
                        "INSERT INTO runs (id, name, created, updated, status, source, transfer, tokenizer,"
                        " config, run_dir, data_bytes, baseline_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (run_id, name, now, now, "created", source, transfer, tokenizer, json.dumps(config),
                         _stored_path(run_dir, self.home), data_bytes, baseline_id))
            except sqlite3.IntegrityError:
                runlock.release(run_dir)
                shutil.rmtree(run_dir)  # a row without a folder (folder removed by hand): take another id
                continue
            except BaseException:
                runlock.release(run_dir)
                shutil.rmtree(run_dir, ignore_errors=True)
                raise
            return self.get(run_id)
        raise RuntimeError(f"could not find a free run id under {self.runs_root}")

    def adopt(self, record: dict[str, Any]) -> RunRecord:
        """Register a run trained in another store (a Ray worker's) whose folder has been copied to
        runs/<id> here: its row as it was there, its folder here."""
        row = {**record, "run_dir": _stored_path(self.runs_root / record["id"], self.home)}
        columns = [name for name in (f.name for f in dataclasses.fields(RunRecord)) if name in row]
        values = [json.dumps(row[name]) if name in _JSON_FIELDS else row[name] for name in columns]
        with self._write() as conn:
            conn.execute(f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values)
        return self.get(record["id"])

    def update(self, run_id: str, **fields: Any) -> None:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"RunStore.update got unknown fields: {', '.join(sorted(unknown))}")
        if "status" in fields:
            _check_status(fields["status"])
        if "name" in fields:
            fields["name"] = _check_name(fields["name"])
        values = {key: json.dumps(value) if key in _JSON_FIELDS else value for key, value in fields.items()}
        values["updated"] = time.time()
        assignments = ", ".join(f"{key} = ?" for key in values)
        with self._write() as conn:
            cursor = conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*values.values(), run_id))
            if cursor.rowcount == 0:
                raise _no_run(run_id)

    def get(self, run_id: str) -> RunRecord:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise _no_run(run_id)
        return self._record(row)

    def find(self, ref: str) -> RunRecord:
        """Resolve what a user typed: an id, a unique id prefix, a name, or a run folder (or a path inside one)."""
        ref = str(ref)
        records = self.list()
        for match in (_by_id, _by_path, _by_name, _by_prefix):
            hits = match(ref, records)
            if len(hits) == 1:
                return hits[0]
            if hits:
                shown = ", ".join(record.id for record in hits[:5])
                raise StudioError(f"{ref!r} matches {len(hits)} runs ({shown}): give the full run id")
        raise _no_run(ref)

    def list(self, status: str | None = None) -> list[RunRecord]:
        """Runs, newest first; `status` filters on the status shown (so "interrupted" works too)."""
        if status is not None and status != INTERRUPTED:
            _check_status(status)
        if self.read_only and not self.db_path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM runs ORDER BY created DESC, rowid DESC").fetchall()
        records = [self._record(row) for row in rows]
        return records if status is None else [record for record in records if record.status == status]

    def rename(self, run_id: str, name: str) -> None:
        self.update(run_id, name=name)

    def delete(self, run_id: str, remove_folder: bool = True) -> None:
        """Forget a run (and by default its folder); transfer runs that used it as baseline lose the link."""
        record = self.get(run_id)
        with self._write() as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            conn.execute("UPDATE runs SET baseline_id = NULL WHERE baseline_id = ?", (run_id,))
        runlock.release(record.run_dir)
        if remove_folder and record.run_dir.exists():
            shutil.rmtree(record.run_dir)

    def link_baseline(self, run_id: str, baseline_id: str) -> None:
        if run_id == baseline_id:
            raise StudioError(f"run {run_id} cannot be its own baseline: pick a scratch run trained on the same data")
        self.get(baseline_id)
        self.update(run_id, baseline_id=baseline_id)

    def _record(self, row: sqlite3.Row) -> RunRecord:
        values = {key: row[key] for key in row.keys()}
        for key in _JSON_FIELDS:
            values[key] = json.loads(values[key])
        values["run_dir"] = self.home / values["run_dir"]  # relative rows follow a moved data folder
        if values["status"] in LIVE_STATUSES and runlock.holder(values["run_dir"]) is None:
            values["status"] = INTERRUPTED
        return RunRecord(**values)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection whose failures arrive as one StudioError that says what to do."""
        try:
            conn = self._open()
            try:
                conn.row_factory = sqlite3.Row
                # WAL + NORMAL survives a killed process; only a power cut may drop the last commits.
                conn.execute("PRAGMA synchronous = NORMAL")
                yield conn
            finally:
                conn.close()
        except sqlite3.IntegrityError:
            raise  # a constraint the caller handles (a run id taken), not a damaged file
        except sqlite3.OperationalError as exc:
            if self.read_only or "readonly" in str(exc) or "unable to open" in str(exc):
                raise StudioError(f"the data folder {self.home} is read-only ({exc}): runs can be listed and "
                                  f"read there, but training needs write access: make it writable, or set "
                                  f"{paths.HOME_ENV} to a writable folder") from exc
            raise StudioError(f"the run store {self.db_path} cannot be used ({exc}): close other copies of "
                              "RNNLM Studio or check the disk, then try again") from exc
        except sqlite3.DatabaseError as exc:
            raise StudioError(f"the run store {self.db_path} is damaged ({exc}): move it aside and "
                              "RNNLM Studio starts a new, empty one (run folders under runs/ are kept)") from exc

    def _open(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        if not self.db_path.exists():
            raise sqlite3.OperationalError("there is no run store in it yet")
        try:
            return self._open_read_only("mode=ro")
        except sqlite3.OperationalError:  # WAL needs its -shm file: where it cannot exist, read the file as is
            return self._open_read_only("mode=ro&immutable=1")

    def _open_read_only(self, query: str) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.db_path}?{query}", uri=True, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        if self.read_only:
            if self.db_path.exists():
                with self._connect() as conn:
                    version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version != len(_MIGRATIONS):
                    raise StudioError(f"the run store {self.db_path} needs an upgrade, but its folder is "
                                      "read-only: make it writable and run any rnnlm-studio command once")
            return
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: stored in the database file
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(_MIGRATIONS):
                raise StudioError(f"the run store {self.db_path} was written by a newer RNNLM Studio "
                                  f"(schema {version}): upgrade RNNLM Studio to open it")
            for statements in _MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            if version < len(_MIGRATIONS):
                conn.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")


def default_name(config: dict[str, Any], transfer: str) -> str:
    """A readable name from the training data and transfer type, e.g. "tinyshakespeare-parameter"."""
    train = [Path(item) for item in config.get("train") or []]
    label = "run"
    if train:
        first = train[0]
        label = first.parent.name if first.stem.lower() in _GENERIC_STEMS and first.parent.name else first.stem
        if len(train) > 1:
            label += f"+{len(train) - 1}"
    return f"{slug(label)}-{slug(transfer)}"


def slug(text: str, limit: int = 40) -> str:
    """Letters and digits of any script ("红楼梦.txt" gives "红楼梦-txt"), the rest folded into dashes."""
    cleaned = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", text).lower()).strip("-")
    return cleaned[:limit].strip("-") or "run"


def _runs_root(output_dir: str | None) -> Path | None:
    """The folder a run's folder goes in when the user chose one; absolute, so the store finds it
    from any working directory."""
    if not output_dir:
        return None
    root = paths.user_path(output_dir).resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StudioError(f"cannot create runs in --output-dir {output_dir}: {exc.strerror or exc}; "
                          "choose a folder you can write to") from exc
    return root


def _stored_path(run_dir: Path, home: Path) -> str:
    """Relative to the data folder when inside it (the row follows a moved data folder), else absolute."""
    try:
        return run_dir.relative_to(home).as_posix()
    except ValueError:
        return run_dir.as_posix()


def append_event(run_dir: Path, event: dict[str, Any] | Event, *, fsync: bool = False) -> None:
    """Append one JSON line to the run's metrics file.

    If a killed process left a torn last line, a newline is written first so the new
    event stays readable; `fsync` makes the line durable against power loss (checkpoints).
    """
    data = event.to_dict() if isinstance(event, Event) else event
    line = (json.dumps(data, allow_nan=True) + "\n").encode("utf-8")
    with open(Path(run_dir) / METRICS_FILE, "a+b") as handle:
        if handle.tell() > 0:
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                line = b"\n" + line
        handle.write(line)
        handle.flush()
        if fsync:
            os.fsync(handle.fileno())


def read_events(run_dir: Path) -> list[dict[str, Any]]:
    """Every event of a run in order; lines torn by a killed process are skipped."""
    try:
        raw = (Path(run_dir) / METRICS_FILE).read_bytes()
    except FileNotFoundError:
        return []
    events = []
    for line in raw.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            events.append(item)
    return events


def _new_id(name: str, now: float) -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}-{slug(name)}-{secrets.token_hex(2)}"


def _no_run(ref: str) -> StudioError:
    return StudioError(f"no run named {ref!r}: `rnnlm-studio runs` lists them")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"run status {status!r} is not one of {', '.join(STATUSES)}")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StudioError("a run name cannot be empty: type a name with at least one character")
    return name.strip()


def _by_id(ref: str, records: list[RunRecord]) -> list[RunRecord]:
    return [record for record in records if record.id == ref]


def _by_path(ref: str, records: list[RunRecord]) -> list[RunRecord]:
    path = paths.user_path(ref)
    if not path.exists():
        return []
    path = path.resolve()
    return [record for record in records
            if record.run_dir.resolve() == path or record.run_dir.resolve() in path.parents]


def _by_name(ref: str, records: list[RunRecord]) -> list[RunRecord]:
    return [record for record in records if record.name == ref]


def _by_prefix(ref: str, records: list[RunRecord]) -> list[RunRecord]:
    return [record for record in records if ref and record.id.startswith(ref)]
