"""The run store: round trips, lookups, two processes writing at once, torn metrics lines."""
from __future__ import annotations

import multiprocessing
import re
import sqlite3
import time
from pathlib import Path

import pytest

from rnnlm_studio.core.errors import StudioError
from rnnlm_studio.core.events import EvalEvent
from rnnlm_studio.core.runs import RunStore, append_event, default_name, read_events

CONFIG = {"train": ["/data/tinyshakespeare/input.txt"], "valid": None, "model": {"hidden_size": 64}}


def make(store: RunStore, name: str | None = "shakespeare parameter", **kwargs) -> str:
    options = {"config": CONFIG, "source": "tiny-wiki", "transfer": "parameter", **kwargs}
    return store.create(name=name, **options).id


def test_create_and_get_round_trip(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    record = store.create(name="shakespeare parameter", config=CONFIG, source="tiny-wiki",
                          transfer="parameter", data_bytes=1234, tokenizer="abc123")
    assert re.fullmatch(r"\d{8}-\d{6}-shakespeare-parameter-[0-9a-f]{4}", record.id)
    assert record.run_dir == tmp_path / "runs" / record.id and record.run_dir.is_dir()
    again = store.get(record.id)
    assert again == record
    assert (again.status, again.source, again.transfer, again.tokenizer) == ("created", "tiny-wiki", "parameter", "abc123")
    assert (again.config, again.data_bytes, again.best, again.final) == (CONFIG, 1234, {}, {})
    assert (again.step, again.tokens_seen, again.elapsed, again.baseline_id) == (0, 0, 0.0, None)


def test_store_defaults_to_the_data_home(studio_home: Path) -> None:
    record = RunStore().get(make(RunStore()))
    assert record.run_dir.parent == studio_home / "runs"
    assert (studio_home / "runs.sqlite").is_file()


def test_default_name_comes_from_the_data_and_transfer(tmp_path: Path) -> None:
    record = RunStore(tmp_path).create(name=None, config=CONFIG, source="tiny-wiki", transfer="ulmfit")
    assert record.name == "tinyshakespeare-ulmfit"
    assert "-tinyshakespeare-ulmfit-" in record.id
    assert default_name({"train": ["a/War and Peace.txt", "b.txt"]}, "scratch") == "war-and-peace-1-scratch"
    assert default_name({}, "scratch") == "run-scratch"


def test_ids_are_unique_within_one_second(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    ids = {make(store) for _ in range(30)}
    assert len(ids) == 30 and len(store.list()) == 30


def test_update_round_trip(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = make(store)
    before = store.get(run_id).updated
    time.sleep(0.01)
    best = {"loss": 4.1, "ppl": 60.3, "word_ppl": 150.2, "bpb": 1.9, "step": 400, "tokens_seen": 204800}
    final = {"valid": {"word_ppl": 151.0}, "test": {"word_ppl": 160.5}}
    store.update(run_id, status="done", best=best, final=final, step=500, tokens_seen=256000, elapsed=61.5,
                 tokenizer="fp", name="renamed")
    record = store.get(run_id)
    assert (record.status, record.best, record.final, record.step) == ("done", best, final, 500)
    assert (record.tokens_seen, record.elapsed, record.tokenizer, record.name) == (256000, 61.5, "fp", "renamed")
    assert record.updated > before


def test_update_rejects_bad_fields_and_unknown_runs(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = make(store)
    with pytest.raises(ValueError, match="status"):
        store.update(run_id, status="exploded")
    with pytest.raises(TypeError, match="colour"):
        store.update(run_id, colour="red")
    with pytest.raises(StudioError, match="no run named 'nope'"):
        store.update("nope", step=3)
    assert store.get(run_id).status == "created"


def test_get_unknown_run_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match=r"no run named 'missing': `rnnlm-studio runs` lists them"):
        RunStore(tmp_path).get("missing")


def test_list_is_newest_first_and_filters_by_status(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    first, second, third = make(store, "a"), make(store, "b"), make(store, "c")
    store.update(second, status="running")
    assert [r.id for r in store.list()] == [third, second, first]
    assert [r.id for r in store.list("running")] == [second]
    assert store.list("failed") == []


def test_rename(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = make(store)
    store.rename(run_id, "  my best run ")
    assert store.get(run_id).name == "my best run"
    with pytest.raises(StudioError, match="cannot be empty"):
        store.rename(run_id, "   ")


def test_find_by_id_prefix_name_and_path(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    alpha = store.get(make(store, "alpha"))
    beta = store.get(make(store, "beta"))
    assert store.find(alpha.id).id == alpha.id
    assert store.find(beta.id[:-2]).id == beta.id  # prefix shared by no other run
    assert store.find("alpha").id == alpha.id
    assert store.find(str(beta.run_dir)).id == beta.id
    (beta.run_dir / "checkpoints" / "best").mkdir(parents=True)
    assert store.find(str(beta.run_dir / "checkpoints" / "best")).id == beta.id


def test_find_refuses_ambiguous_or_unknown_refs(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    twins = [make(store, "twin"), make(store, "twin")]
    with pytest.raises(StudioError, match="matches 2 runs"):
        store.find("twin")
    with pytest.raises(StudioError, match="matches 2 runs"):
        store.find(twins[0][:8])  # the shared date prefix
    with pytest.raises(StudioError, match="no run named 'zzz'"):
        store.find("zzz")


def test_delete_removes_row_folder_and_baseline_links(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    scratch, transfer = make(store, "scratch"), make(store, "transfer")
    store.link_baseline(transfer, scratch)
    assert store.get(transfer).baseline_id == scratch
    folder = store.get(scratch).run_dir
    append_event(folder, {"event": "step", "step": 1})
    store.delete(scratch)
    assert not folder.exists()
    with pytest.raises(StudioError):
        store.get(scratch)
    assert store.get(transfer).baseline_id is None


def test_delete_can_keep_the_folder(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    record = store.get(make(store))
    store.delete(record.id, remove_folder=False)
    assert record.run_dir.is_dir() and store.list() == []


def test_link_baseline_checks_both_runs(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = make(store)
    with pytest.raises(StudioError, match="no run named 'ghost'"):
        store.link_baseline(run_id, "ghost")
    with pytest.raises(StudioError, match="its own baseline"):
        store.link_baseline(run_id, run_id)


def test_database_is_wal_and_versioned_and_persists(tmp_path: Path) -> None:
    run_id = make(RunStore(tmp_path))
    with sqlite3.connect(tmp_path / "runs.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert RunStore(tmp_path).get(run_id).name == "shakespeare parameter"


def test_newer_schema_is_refused_with_a_fix(tmp_path: Path) -> None:
    RunStore(tmp_path)
    with sqlite3.connect(tmp_path / "runs.sqlite") as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StudioError, match="newer RNNLM Studio.*upgrade"):
        RunStore(tmp_path)


def test_damaged_database_is_reported(tmp_path: Path) -> None:
    (tmp_path / "runs.sqlite").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StudioError, match="damaged.*move it aside"):
        RunStore(tmp_path)


def _writer(home: str, run_id: str, count: int) -> None:
    store = RunStore(Path(home))
    for step in range(count):
        store.update(run_id, step=step, tokens_seen=step * 10, best={"step": step})
        if step % 20 == 0:
            store.create(name=f"extra-{run_id[-4:]}-{step}", config={}, source=None, transfer="scratch")


def test_two_processes_write_at_once_without_locks_or_lost_rows(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = [make(store, "left"), make(store, "right")]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), run_id, 200)) for run_id in runs]
    for worker in workers:
        worker.start()
    while any(worker.is_alive() for worker in workers):
        assert len(store.list()) >= 2  # a third party reads while both write
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    for run_id in runs:
        record = store.get(run_id)
        assert (record.step, record.tokens_seen, record.best) == (199, 1990, {"step": 199})
    assert len(store.list()) == 2 + 2 * 10


def test_events_round_trip(tmp_path: Path) -> None:
    append_event(tmp_path, {"event": "step", "step": 1, "loss": float("nan")})
    append_event(tmp_path, EvalEvent(step=2, tokens_seen=64, elapsed=1.0, split="valid", loss=4.0,
                                     ppl=54.6, word_ppl=120.0, bpb=2.0), fsync=True)
    events = read_events(tmp_path)
    assert [e["event"] for e in events] == ["step", "eval"]
    assert events[1]["word_ppl"] == 120.0 and events[0]["loss"] != events[0]["loss"]


def test_missing_metrics_file_reads_as_no_events(tmp_path: Path) -> None:
    assert read_events(tmp_path) == []


def test_torn_last_line_is_skipped_and_later_events_survive(tmp_path: Path) -> None:
    append_event(tmp_path, {"event": "step", "step": 1})
    with open(tmp_path / "metrics.jsonl", "ab") as handle:
        handle.write(b'{"event": "step", "st')  # a process killed mid-write
    assert read_events(tmp_path) == [{"event": "step", "step": 1}]
    append_event(tmp_path, {"event": "step", "step": 2})  # a resumed process carries on
    assert [e["step"] for e in read_events(tmp_path)] == [1, 2]
