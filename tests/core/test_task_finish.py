"""Task transfer finished: the console table, compare, the matched scratch classifier and predict."""
from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from rnnlm_studio import api
from rnnlm_studio.core.baseline import train_with_baseline
from rnnlm_studio.core.classify import HEAD_FILE, load_classifier
from rnnlm_studio.core.compare import compare_runs, format_table
from rnnlm_studio.core.errors import ModelFileError
from rnnlm_studio.core.events import DoneEvent, EvalEvent, StartEvent
from rnnlm_studio.core.predict import format_predictions, load_task_model, predict
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.progress import ConsoleReporter, done_table
from tests.core.test_classify import FRUIT, TOOLS, task_config, toy_source, toy_tsv  # noqa: F401 (fixtures)

TASK = {"loss": 0.31, "ppl": math.nan, "word_ppl": math.nan, "bpb": math.nan, "accuracy": 0.9166, "macro_f1": 0.9}


def done(valid: dict, baseline: dict | None = None) -> DoneEvent:
    return DoneEvent(run_id="r", run_dir="/runs/r", step=10, tokens_seen=5120, elapsed=3.0, tokens_per_s=1706.0,
                     reason="budget", valid=valid, test={}, best_checkpoint="/runs/r/checkpoints/best",
                     baseline=baseline)


def test_the_done_table_of_a_task_run_shows_accuracy_and_macro_f1() -> None:
    header, row = done_table(done({k: TASK[k] for k in ("loss", "accuracy", "macro_f1")})).splitlines()[2:4]
    assert header.split() == ["loss", "accuracy", "macro-F1"]
    assert row.split() == ["valid", "0.3100", "91.7%", "0.900"]


def test_a_task_runs_baseline_rows_and_gain_in_the_table() -> None:
    baseline = {"valid": {"loss": 0.6, "accuracy": 0.5, "macro_f1": 0.33}, "test": {},
                "message": "transfer gained 41.7% accuracy"}
    lines = done_table(done({"loss": 0.31, "accuracy": 0.9166, "macro_f1": 0.9}, baseline)).splitlines()
    assert any(line.split()[:5] == ["baseline", "valid", "0.6000", "50.0%", "0.330"] for line in lines)
    assert "transfer gained 41.7% accuracy" in lines[-2]


def test_a_task_evaluation_line_shows_accuracy_not_perplexity() -> None:
    out = io.StringIO()
    event = EvalEvent(step=40, tokens_seen=100, elapsed=1.0, split="valid", loss=0.5, ppl=math.nan,
                      word_ppl=math.nan, bpb=math.nan, extra={"accuracy": 0.75, "macro_f1": 0.7})
    ConsoleReporter(out).show(event, 1)
    assert "accuracy 75.0% macro-F1 0.700" in out.getvalue() and "nan" not in out.getvalue()


@pytest.fixture(scope="module")
def linked(toy_tsv: Path, toy_source: Path, tmp_path_factory: pytest.TempPathFactory) -> list:  # noqa: F811
    """A task run trained with --baseline, in a data folder of its own."""
    home = tmp_path_factory.mktemp("task-home")
    patch = pytest.MonkeyPatch()
    patch.setenv("RNNLM_STUDIO_HOME", str(home))
    events = list(train_with_baseline(task_config(toy_tsv, toy_source, max_steps=60, eval_every=20, baseline=True,
                                                  name="fruit")))
    yield events
    patch.undo()


def test_the_baseline_of_a_task_run_is_the_same_classifier_from_scratch(linked: list, monkeypatch,
                                                                        tmp_path: Path) -> None:
    starts = [e for e in linked if isinstance(e, StartEvent)]
    final = linked[-1]
    assert isinstance(final, DoneEvent) and final.baseline is not None, linked[-3:]
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(Path(final.run_dir).parents[1]))
    store = RunStore()
    base = store.get(final.baseline["run_id"])
    assert base.transfer == "task-scratch" and store.get(final.run_id).baseline_id == base.id
    assert starts[1].config["model"] == starts[0].config["model"]  # the same architecture
    assert starts[1].parameters == starts[0].parameters
    assert (base.run_dir / "checkpoints" / "best" / HEAD_FILE).is_file()
    assert set(final.baseline["valid"]) >= {"accuracy", "macro_f1"}
    assert "accuracy" in final.baseline["message"]


def test_compare_shows_task_runs_accuracy_and_their_gain(linked: list, monkeypatch) -> None:
    final = linked[-1]
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(Path(final.run_dir).parents[1]))
    rows, _curves, _notes = compare_runs(RunStore(), [final.run_id, final.baseline["run_id"]])
    assert 0.0 <= rows[0].best_valid_accuracy <= 1.0 and rows[1].best_valid_accuracy is not None
    assert rows[0].gain is not None and math.isfinite(rows[0].gain.gain) and "accuracy" in rows[0].gain.message
    table = format_table(rows)
    assert "valid acc" in table.splitlines()[0] and "nan" not in table
    assert f"{rows[0].final_valid_accuracy:.1%}" in table.splitlines()[1]


def test_predict_round_trips_labels_and_probabilities(linked: list, monkeypatch) -> None:
    final = linked[-1]
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(Path(final.run_dir).parents[1]))
    texts = [" ".join(FRUIT[:6]), " ".join(TOOLS[:6])]
    predictions = api.predict("fruit", texts)
    assert [p.text for p in predictions] == texts
    loaded = load_classifier(final.best_checkpoint)
    for p in predictions:
        assert set(p.probabilities) == set(loaded.labels) == {"fruit", "tool"}
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert p.label == max(p.probabilities, key=p.probabilities.get)
    assert predict(load_task_model(final.run_dir), texts)[1].probabilities == predictions[1].probabilities
    lines = format_predictions(predictions).splitlines()
    assert len(lines) == 2 and lines[0].endswith(texts[0]) and lines[0].index(texts[0]) == lines[1].index(texts[1])


def test_predict_refuses_a_language_model(toy_source: Path) -> None:  # noqa: F811
    with pytest.raises(ModelFileError, match="not a classifier or tagger"):
        load_task_model(toy_source)
