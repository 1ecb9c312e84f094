"""`study --backend ray`: a tiny study on a local Ray instance started here; its runs come back into
the local store. Skipped when Ray is not installed (it is an optional extra)."""
from __future__ import annotations

from pathlib import Path

import pytest

from rnnlm_studio.core.runs import RunStore, read_events
from rnnlm_studio.core.study_runner import RunFinishedEvent, start_study
from tests.core.test_study import source_dir, spec_for  # noqa: F401 (a fixture)

ray = pytest.importorskip("ray")


@pytest.fixture
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_a_study_runs_on_ray_and_its_runs_land_in_the_local_store(local_ray, shakespeare_small, source_dir,
                                                                  studio_home: Path) -> None:
    spec = spec_for(shakespeare_small, source_dir, ["transfer=parameter"], name="on-ray", precision="fp32")
    spec.backend, spec.jobs = "ray", 2
    events = list(start_study(spec).events())
    finished = [e for e in events if isinstance(e, RunFinishedEvent)]
    assert len(finished) == 2 and all(e.ok for e in finished), [e.message for e in finished]
    cell = events[-1].cells[0]
    assert cell["repeats"] == 1 and cell["gain_bits_mean"] is not None
    store = RunStore()
    runs = {record.name: record for record in store.list()}
    assert {"on-ray-cell0-r0", "on-ray-baseline0-r0"} <= set(runs)
    for record in runs.values():
        assert record.run_dir.parent == studio_home / "runs" and record.status == "done"
        assert any(e["event"] == "done" for e in read_events(record.run_dir))
    assert set(cell["run_ids"] + cell["baseline_run_ids"]) == {r.id for r in runs.values()}
