"""The training panel shows the early negative-transfer warning while the transfer run trains."""
from __future__ import annotations

from pathlib import Path

from rnnlm_studio.core.events import DoneEvent, LogEvent
from rnnlm_studio.gui.training_panel import TrainingPanel
from tests.core.test_negative_transfer import bad_source, negative_events  # noqa: F401 (fixtures)


def test_the_warning_is_visible_in_the_training_panel_before_the_run_ends(qtbot, monkeypatch,  # noqa: ANN001
                                                                          negative_events: list) -> None:  # noqa: F811
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(Path(negative_events[-1].run_dir).parents[1]))
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.begin_job()
    shown = None
    for event in negative_events:  # the events the worker re-emits, in their order
        panel.on_event(event)
        if isinstance(event, LogEvent) and event.message.startswith("negative transfer so far"):
            shown = panel.message.isVisible(), panel.message.text(), panel.status
            break
    assert shown is not None, "no negative-transfer warning reached the panel"
    visible, text, status = shown
    assert visible and text.startswith("negative transfer so far") and status == "training"
    assert "negative transfer so far" in panel.log.toPlainText()
    assert not isinstance(negative_events[-1], LogEvent) and isinstance(negative_events[-1], DoneEvent)
