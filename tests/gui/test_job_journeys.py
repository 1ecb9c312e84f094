"""A training job as a user meets it, through the window: a transfer run with its scratch baseline,
Stop, the Playground's model list after a job, Resume, and a new run from a stored run's settings."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from rnnlm_studio.core.events import DoneEvent, ErrorEvent, StartEvent, StepEvent
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.trainer import TrainControl, train
from rnnlm_studio.gui.runs_panel import GAIN, NAME

from .conftest import set_tiny_model, tiny_config


def collect(window) -> list:  # noqa: ANN001
    events: list = []
    window.training_event.connect(events.append)
    return events


def click(qtbot, widget) -> None:  # noqa: ANN001
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def press_start(qtbot, window) -> None:  # noqa: ANN001
    click(qtbot, window.toolbar.widgetForAction(window.start_action))


def transfer_with_baseline(window, data: dict[str, Path]) -> None:  # noqa: ANN001
    """What a user picks for a parameter transfer from a finished run, with "also train a scratch baseline"
    ticked; the evaluation schedule is left at its default."""
    window.corpus_panel.set_train_paths([data["train"]])
    window.corpus_panel.add_paths([data["valid"]], role="valid")
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    box = window.model_panel.source_box
    index = box.findData(str(source.run_dir))
    box.setCurrentIndex(index)
    box.activated.emit(index)
    window.model_panel.transfer_box.setCurrentText("parameter")
    window.corpus_panel.reuse_radio.setChecked(True)
    window.model_panel.warmup_spin.setValue(5)
    window.model_panel.baseline_check.setChecked(True)
    window.training_panel.epochs_spin.setValue(0)


def gain_cell(window, run_id: str):  # noqa: ANN001, ANN201
    model = window.runs_panel.model
    row = next(row for row in range(model.rowCount()) if model.item(row, NAME).data(Qt.ItemDataRole.UserRole) == run_id)
    return model.item(row, GAIN)


def test_a_timed_transfer_run_with_default_evaluations_shows_its_gain(make_window, qtbot, runs_home: Path,
                                                                       shakespeare_small: dict[str, Path]) -> None:
    """Defect 1: under a time budget the two runs take different numbers of steps; evaluated every 500
    steps, each had one point, the two never met, and the job ended "Failed" with no gain."""
    window = make_window()
    transfer_with_baseline(window, shakespeare_small)
    window.model_panel.batch_spin.setValue(32)  # fewer, slower steps: well under 500 in the budget
    window.model_panel.bptt_spin.setValue(64)
    window.training_panel.time_spin.setValue(6)
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=120_000):
        press_start(qtbot, window)

    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert window.training_panel.status == "done"
    done = events[-1]
    assert isinstance(done, DoneEvent) and isinstance(done.baseline["gain"], float), done.baseline
    qtbot.waitUntil(lambda: "%" in gain_cell(window, done.run_id).text(), timeout=20_000)
    cell = gain_cell(window, done.run_id)
    assert "tick" not in cell.toolTip()
    assert window.playground.model_box.currentData() == done.run_dir, "the Playground chose the baseline"


def test_stop_during_a_transfer_run_with_a_baseline_stops_the_whole_job(make_window, qtbot, runs_home: Path,
                                                                         shakespeare_small: dict[str, Path]) -> None:
    """Defect 2: the baseline started after Stop, stopped at step 0, stayed in the Runs list and became the
    Playground's model."""
    window = make_window()
    transfer_with_baseline(window, shakespeare_small)
    window.training_panel.steps_spin.setValue(100_000)
    events = collect(window)
    press_start(qtbot, window)
    qtbot.waitUntil(lambda: window.training_panel.last_step is not None, timeout=60_000)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        click(qtbot, window.toolbar.widgetForAction(window.stop_action))

    starts = [e for e in events if isinstance(e, StartEvent)]
    assert len(starts) == 1, "the scratch baseline started after Stop"
    assert window.training_panel.status == "stopped"
    qtbot.waitUntil(lambda: starts[0].run_id in window.runs_panel.records, timeout=10_000)
    assert len(window.runs_panel.records) == 4  # the three finished runs and the stopped transfer run
    assert window.playground.model_box.currentData() in (None, starts[0].run_dir,
                                                          str(Path(starts[0].run_dir) / "checkpoints" / "best"))


def listed_runs(window) -> list[str]:  # noqa: ANN001
    box = window.playground.model_box
    return [box.itemData(i) for i in range(box.count()) if box.itemText(i).startswith("run: ")]


def test_the_playground_lists_every_trained_run_and_preselects_the_one_just_finished(
        make_window, qtbot, runs_home: Path, shakespeare_small: dict[str, Path], monkeypatch) -> None:  # noqa: ANN001
    """Defect 4: runs trained before the app started were missing, Refresh did not help, and Open folder
    started in the home folder."""
    window = make_window()
    window.docks["playground"].raise_()
    stored = [str(record.run_dir) for record in RunStore().list()]
    assert listed_runs(window) == stored and len(stored) == 3  # newest first, before the bundled models
    assert window.playground.model_box.findText("english-lstm") > 0

    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    set_tiny_model(window, steps=10, eval_every=5)
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        press_start(qtbot, window)
    done = events[-1]
    assert isinstance(done, DoneEvent)
    assert listed_runs(window) == [done.run_dir, *stored]
    qtbot.waitUntil(lambda: window.playground.loaded is not None, timeout=30_000)
    assert window.playground.model_box.currentData() == done.run_dir

    elsewhere = [e for e in train(tiny_config(shakespeare_small, name="trained-elsewhere", max_steps=5))][-1]
    assert isinstance(elsewhere, DoneEvent)
    click(qtbot, window.playground.refresh_button)
    assert listed_runs(window)[0] == elsewhere.run_dir
    assert window.playground.model_box.currentData() == done.run_dir, "Refresh changed the chosen model"

    opened_at: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda _parent, _title, folder, *_args: opened_at.append(folder) or ""))
    click(qtbot, window.playground.browse_button)
    assert opened_at == [str(runs_home / "runs")]


def test_after_resume_from_the_runs_panel_the_curves_follow_the_run(make_window, qtbot,
                                                                    shakespeare_small: dict[str, Path]) -> None:
    """Defect 5: the run's stored curve, shown when it was selected, was drawn over its live one, so the
    plots froze at the data from before the stop."""
    control = TrainControl()
    for event in train(tiny_config(shakespeare_small, name="to-resume", max_steps=100_000, eval_every=20), control):
        if isinstance(event, StepEvent) and event.step >= 20:
            control.stop()
    stopped = event
    assert isinstance(stopped, DoneEvent) and stopped.reason == "stopped"

    window = make_window()
    qtbot.waitUntil(lambda: stopped.run_id in window.runs_panel.records, timeout=10_000)
    window.runs_panel.select_runs([stopped.run_id])
    window.runs_panel.selection_changed.emit(window.runs_panel.selected())  # what a click on the row sends
    plots = window.training_panel.plots
    qtbot.waitUntil(lambda: len(plots.overlays) == 1, timeout=10_000)
    click(qtbot, window.runs_panel.resume_button)
    qtbot.waitUntil(lambda: (window.training_panel.last_step is not None
                             and window.training_panel.last_step.step > stopped.step + 30), timeout=60_000)

    def drawn_to() -> float:
        x = plots._items[stopped.run_id].smooth.xData
        return float(max(x)) if x is not None and len(x) else 0.0

    qtbot.waitUntil(lambda: drawn_to() > stopped.tokens_seen, timeout=10_000)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        click(qtbot, window.toolbar.widgetForAction(window.stop_action))


SAME_SETTINGS = ("train", "valid", "test", "source", "transfer", "tokenizer", "tokenizer_kind", "model", "optimizer",
                 "lr", "weight_decay", "clip", "schedule", "warmup_steps", "batch_size", "bptt", "eval_every", "seed")


def test_a_new_run_from_a_stored_runs_settings(make_window, qtbot, runs_home: Path) -> None:
    """"New run from these settings": the stored run's run.toml fills the panels; the user changes the
    budget, leaves out the baseline and starts a new run with everything else the same."""
    window = make_window()
    qtbot.waitUntil(lambda: len(window.runs_panel.records) == 3, timeout=10_000)
    stored = next(r for r in RunStore().list() if r.name == "shakespeare-parameter")
    window.runs_panel.select_runs([stored.id])
    action = next(a for a in window.runs_panel.context_menu().actions() if a.text() == "New run from these settings")
    assert action.isEnabled()
    action.trigger()

    assert window.corpus_panel.entries() == [(stored.config["train"][0], "train"), (stored.config["valid"], "valid"),
                                             (stored.config["test"], "test")]
    assert window.model_panel.source_ref() == stored.config["source"]
    assert window.model_panel.transfer_box.currentText() == "parameter"
    assert window.model_panel.baseline_check.isChecked()
    assert window.training_panel.steps_spin.value() == 30 and window.model_panel.eval_spin.value() == 10
    window.model_panel.baseline_check.setChecked(False)
    window.training_panel.steps_spin.setValue(5)
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        press_start(qtbot, window)

    start = next(e for e in events if isinstance(e, StartEvent))
    assert isinstance(events[-1], DoneEvent) and start.run_id != stored.id
    assert {k: start.config[k] for k in SAME_SETTINGS} == {k: stored.config[k] for k in SAME_SETTINGS}
    assert start.config["max_steps"] == 5 and not start.config["baseline"]


def test_new_run_from_a_run_without_its_settings_file_says_so_and_changes_nothing(make_window, qtbot,
                                                                                  runs_home: Path) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: len(window.runs_panel.records) == 3, timeout=10_000)
    stored = next(r for r in RunStore().list() if r.name == "shakespeare-parameter")
    (stored.run_dir / "run.toml").unlink()
    before = window.corpus_panel.entries()
    window.runs_panel.select_runs([stored.id])
    click(qtbot, window.runs_panel.new_from_button)
    assert window.runs_panel.message.isVisible() and "damaged" in window.runs_panel.message.label.text()
    assert window.corpus_panel.entries() == before
