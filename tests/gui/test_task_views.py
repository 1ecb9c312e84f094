"""Task runs in the GUI: the Classify box (a user journey), accuracy in the plots and the Runs panel."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from rnnlm_studio.core.classify import train_task
from rnnlm_studio.core.events import DoneEvent, EvalEvent
from rnnlm_studio.gui.classify_box import NOT_A_CLASSIFIER
from rnnlm_studio.gui.playground import PlaygroundPanel
from rnnlm_studio.gui.plots import REDRAW_MS, TrainingPlots
from rnnlm_studio.gui.runs_panel import BEST, RunsPanel
from tests.core.test_classify import FRUIT, task_config, toy_source, toy_tsv  # noqa: F401 (fixtures)
from tests.gui.test_playground import panel  # noqa: F401 (fixture)


@pytest.fixture
def task_run(toy_tsv: Path, toy_source: Path) -> DoneEvent:  # noqa: F811
    done = list(train_task(task_config(toy_tsv, toy_source, max_steps=30, eval_every=15, name="fruit-or-tool")))[-1]
    assert isinstance(done, DoneEvent), done
    return done


def test_typing_a_line_in_the_classify_box_shows_its_label_and_probabilities(
        panel: PlaygroundPanel, task_run: DoneEvent, toy_source: Path, qtbot) -> None:  # noqa: ANN001, F811
    box = panel.classify_box
    panel.set_model(toy_source)  # a language model: the box says why it is idle
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=20_000)
    assert not box.edit.isEnabled() and box.result.text() == NOT_A_CLASSIFIER
    panel.set_model(task_run.run_dir)
    qtbot.waitUntil(lambda: box.edit.isEnabled(), timeout=20_000)
    assert panel.tabs.currentWidget() is box
    qtbot.keyClicks(box.edit, " ".join(FRUIT[:5]))
    qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: box.probabilities.count() == 2, timeout=20_000)
    rows = [box.probabilities.item(i).text().split("\t") for i in range(2)]
    assert sorted(label for _p, label in rows) == ["fruit", "tool"]
    assert rows[0][1] in box.result.text()  # the label shown is the most probable one, listed first
    assert float(rows[0][0].rstrip("%")) >= float(rows[1][0].rstrip("%").lstrip("<"))


def test_the_plots_show_accuracy_for_a_task_run(qtbot, task_run: DoneEvent) -> None:  # noqa: ANN001
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.begin_run("task", "task")
    assert plots.metric_box.currentData() == "word_ppl"
    plots.add_event(EvalEvent(step=15, tokens_seen=900, elapsed=1.0, split="valid", loss=0.6, ppl=math.nan,
                              word_ppl=math.nan, bpb=math.nan, extra={"accuracy": 0.75, "macro_f1": 0.7}))
    assert plots.metric_box.currentData() == "accuracy"
    qtbot.wait(REDRAW_MS * 3)
    assert list(plots._items["task"].metric.yData) == [0.75]
    assert "higher is better" in plots.ppl_plot.getPlotItem().titleLabel.text
    plots.metric_box.setCurrentIndex(plots.metric_box.findData("macro_f1"))
    qtbot.wait(REDRAW_MS * 3)
    assert list(plots._items["task"].metric.yData) == [0.7]


def test_the_runs_panel_shows_a_task_runs_accuracy(qtbot, task_run: DoneEvent) -> None:  # noqa: ANN001
    panel = RunsPanel()
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=20_000)
    cell = panel.model.item(0, BEST).text()
    assert cell.startswith("acc ") and "%" in cell and "F1" in cell and "nan" not in cell
