"""Runs the window hands to a child process: `train --nproc 2 --json` under torchrun, on the CPU.

The child's JSON events must feed the same plots, runs table and playground as a run in the
window's own thread, and Stop (SIGTERM through the launcher and torchrun) must end with a done
event and a resumable checkpoint.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from rnnlm_studio.core.compare import curve_from_events
from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.events import DoneEvent, ErrorEvent, StartEvent, StepEvent
from rnnlm_studio.core.runs import RunStore, read_events
from rnnlm_studio.gui.app import NO_PAUSE_TIP
from rnnlm_studio.gui.workers import ProcessTrainingJob

from .conftest import set_tiny_model
from .test_training_panel import collect

TWO_PROCESSES = "CPU, 2 processes (torchrun)"
TIMEOUT_MS = 120_000


@pytest.fixture(autouse=True)
def loopback_gloo(monkeypatch: pytest.MonkeyPatch) -> None:
    """torchrun's workers talk over loopback only (the child inherits this environment)."""
    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")


def two_process_window(make_window, data: dict[str, Path], steps: int, eval_every: int):  # noqa: ANN001, ANN201
    window = make_window()
    window.corpus_panel.set_train_paths([data["train"]])
    window.corpus_panel.add_paths([data["valid"]], role="valid")
    set_tiny_model(window, steps=steps, eval_every=eval_every)
    window.model_panel.bptt_spin.setValue(16)
    box = window.model_panel.device_box
    box.setCurrentIndex(box.findText(TWO_PROCESSES))
    assert window.model_panel.processes() == 2
    return window


def test_two_process_run_fills_the_plots_and_the_run_store(make_window, qtbot, shakespeare_small) -> None:
    window = two_process_window(make_window, shakespeare_small, steps=30, eval_every=10)
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(window.toolbar.widgetForAction(window.start_action), Qt.MouseButton.LeftButton)
        assert isinstance(window.job, ProcessTrainingJob)
        assert not window.pause_action.isEnabled() and window.pause_action.toolTip() == NO_PAUSE_TIP
    qtbot.wait(150)  # one redraw period

    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "budget", events[-1]
    start = next(e for e in events if isinstance(e, StartEvent))
    assert start.config["device"] == "cpu" and start.config["max_steps"] == 30
    assert done.tokens_seen == 30 * 2 * start.config["batch_size"] * 16  # two ranks' rows in every step
    stored = read_events(Path(start.run_dir))
    series = window.training_panel.plots.live[0]
    assert list(series.train["step"]) == [e["step"] for e in stored if e["event"] == "step"]
    assert list(series.valid["step"]) == curve_from_events(start.run_id, "", stored).steps == [10, 20, 30]
    assert [(r.id, r.status) for r in RunStore().list()] == [(done.run_id, "done")]
    assert window.training_panel.status == "done" and window.start_action.isEnabled()
    qtbot.waitUntil(lambda: window.playground.loaded is not None, timeout=30_000)  # the run's model


def test_stop_ends_a_two_process_run_with_a_resumable_checkpoint(make_window, qtbot, shakespeare_small) -> None:
    window = two_process_window(make_window, shakespeare_small, steps=100_000, eval_every=1000)
    events = collect(window)
    window.start_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(e, StepEvent) for e in events), timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TIMEOUT_MS):
        window.stop_action.trigger()
        assert not window.stop_action.isEnabled()
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "stopped", events[-1]
    assert not any(isinstance(e, ErrorEvent) for e in events)
    record = RunStore().get(done.run_id)
    assert record.status == "stopped" and record.step == done.step > 0
    assert (record.run_dir / "checkpoints" / "last" / "trainer_state.json").is_file()


def test_a_child_that_fails_reports_its_error_line(qtbot) -> None:
    job = ProcessTrainingJob(TrainConfig(max_steps=5), processes=2)
    events: list = []
    job.event.connect(events.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        job.start()
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert events[0].message == "no training text: add a text file or folder in the Corpus panel (Add files…)"
