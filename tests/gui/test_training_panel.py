"""Training driven through the window as a user would, with the real trainer in its thread."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from rnnlm_studio.core.compare import curve_from_events
from rnnlm_studio.core.events import AverageEvent, DoneEvent, PauseEvent, StartEvent, StepEvent
from rnnlm_studio.core.runs import RunStore, read_events

from rnnlm_studio.gui.series import RunSeries
from rnnlm_studio.gui.runs_panel import STATUS

from .conftest import set_tiny_model


def collect(window) -> list:  # noqa: ANN001
    """Every training event the window receives from now on."""
    events: list = []
    window.training_event.connect(events.append)
    return events


def choose_source(window, run_dir: Path) -> None:  # noqa: ANN001
    box = window.model_panel.source_box
    index = box.findData(str(run_dir))
    assert index >= 0, "the finished run is not offered as a source"
    box.setCurrentIndex(index)
    box.activated.emit(index)


def test_transfer_run_from_the_panels_fills_the_plots(make_window, qtbot, runs_home: Path,
                                                      shakespeare_small: dict[str, Path]) -> None:
    window = make_window()
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    window.corpus_panel.add_paths([shakespeare_small["valid"]], role="valid")
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    set_tiny_model(window)
    choose_source(window, source.run_dir)
    window.model_panel.transfer_box.setCurrentText("parameter")
    window.corpus_panel.reuse_radio.setChecked(True)
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        qtbot.mouseClick(window.toolbar.widgetForAction(window.start_action), Qt.MouseButton.LeftButton)
    qtbot.wait(150)  # one redraw period

    start = next(e for e in events if isinstance(e, StartEvent))
    assert start.config["transfer"] == "parameter" and start.config["source"] == str(source.run_dir)
    assert start.config["valid"] == str(shakespeare_small["valid"].resolve())
    assert isinstance(events[-1], DoneEvent) and events[-1].reason == "budget"
    series = window.training_panel.plots.live[0]
    stored = read_events(Path(start.run_dir))
    assert list(series.train["step"]) == [e["step"] for e in stored if e["event"] == "step"]
    assert list(series.valid["step"]) == curve_from_events(start.run_id, "", stored).steps
    items = window.training_panel.plots._items[start.run_id]
    assert len(items.smooth.xData) == len(series.train) and len(items.metric.xData) == len(series.valid)
    assert window.training_panel.status == "done" and window.start_action.isEnabled()
    assert "30 / 30" in window.training_panel.numbers["step"].text()


def test_pause_freezes_the_step_counter_and_resume_continues(make_window, qtbot, shakespeare_small,
                                                             artifacts: Path) -> None:
    window = make_window()
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    set_tiny_model(window, steps=100_000, eval_every=50)
    events = collect(window)
    window.start_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(e, StepEvent) for e in events), timeout=60_000)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.training_panel.status == "paused", timeout=10_000)
    assert window.pause_action.text() == "Resume"
    paused_at = next(e for e in events if isinstance(e, PauseEvent)).step
    steps_when_paused = len([e for e in events if isinstance(e, StepEvent)])
    qtbot.wait(600)
    assert len([e for e in events if isinstance(e, StepEvent)]) == steps_when_paused
    assert window.training_panel.last_step.step <= paused_at
    # Issue #20: one step everywhere while paused, and the Runs table says so.
    assert window.training_panel.state_label.text() == f"Paused at step {paused_at:,}"
    window.training_panel._refresh_numbers()  # what the label timer shows next
    assert window.training_panel.numbers["step"].text().startswith(f"{paused_at:,}")
    runs = window.runs_panel
    qtbot.waitUntil(lambda: runs.model.rowCount() == 1 and runs.model.item(0, STATUS).text() == "paused",
                    timeout=10_000)

    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.training_panel.last_step.step > paused_at + 150, timeout=30_000)
    assert window.training_panel.status == "training" and window.pause_action.text() == "Pause"
    window.grab().save(str(artifacts / "window-training.png"))
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        window.stop_action.trigger()
    assert isinstance(events[-1], DoneEvent) and events[-1].reason == "stopped"


def test_closing_during_training_stops_with_a_checkpoint_and_the_run_resumes(
        make_window, qtbot, shakespeare_small, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _parent, title, _text, *_args: asked.append(title) or QMessageBox.StandardButton.Yes))
    window = make_window()
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    set_tiny_model(window, steps=100_000, eval_every=1000)
    events = collect(window)
    window.start_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(e, StepEvent) for e in events), timeout=60_000)
    window.close()
    assert asked == ["Training in progress"]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "stopped"
    record = RunStore().get(done.run_id)
    assert record.status == "stopped"
    assert (record.run_dir / "checkpoints" / "last" / "trainer_state.json").is_file()

    second = make_window()
    qtbot.waitUntil(lambda: done.run_id in second.runs_panel.records, timeout=10_000)
    second.runs_panel.select_runs([done.run_id])
    assert second.runs_panel.resume_button.isEnabled()
    with qtbot.waitSignal(second.training_finished, timeout=60_000):
        qtbot.mouseClick(second.runs_panel.resume_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: second.job is not None and second.training_panel.last_step is not None,
                        timeout=60_000)
        assert second.training_panel.last_step.step > done.step
        second.stop_action.trigger()
    assert RunStore().get(done.run_id).step > done.step


@pytest.mark.parametrize(("typed", "seconds", "shown"), [("45 s", 45, "45 s"), ("45s", 45, "45 s"),
                                                        ("1:30", 90, "1 min 30 s"), ("2 h", 7200, "2 h 00 min"),
                                                        ("3", 180, "3 min 00 s"), ("1 min 5 s", 65, "1 min 05 s")])
def test_the_time_budget_takes_seconds(make_window, qtbot, typed: str, seconds: int, shown: str) -> None:
    """Issue #20: the field was in minutes with one decimal, so 45 s could not be entered."""
    window = make_window()
    field = window.training_panel.time_spin
    qtbot.mouseDClick(field.lineEdit(), Qt.MouseButton.LeftButton)
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), typed)
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Return)
    assert field.value() == seconds and field.text() == shown
    assert window.build_config().time_budget == seconds


def test_averaged_weights_are_asked_for_in_the_form_and_announced_in_the_log(make_window, qtbot,
                                                                           shakespeare_small) -> None:
    window = make_window()
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    set_tiny_model(window)
    window.model_panel.average_spin.setValue(50)
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        qtbot.mouseClick(window.toolbar.widgetForAction(window.start_action), Qt.MouseButton.LeftButton)
    start = next(e for e in events if isinstance(e, StartEvent))
    assert start.config["average_from"] == 0.5
    assert "averaging weights from step 15 (50% of the budget)" in window.training_panel.log.toPlainText()
    assert window.training_panel.status == "done"
    plots = window.training_panel.plots
    qtbot.wait(150)  # one redraw period
    lines = plots._items[start.run_id].averaging
    assert [(line.isVisible(), line.value()) for line in lines] == [(True, 15), (True, 15)]
    plots.x_axis_box.setCurrentIndex(plots.x_axis_box.findData("tokens"))
    began = next(e for e in events if isinstance(e, AverageEvent))
    qtbot.waitUntil(lambda: lines[0].value() == began.tokens_seen > 15, timeout=5_000)
    stored = RunSeries.from_events("again", "again", "#000000", read_events(Path(start.run_dir)))
    assert stored.averaged_from == {"step": 15, "tokens": began.tokens_seen, "elapsed": began.elapsed}
