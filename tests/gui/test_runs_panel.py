"""The Runs table on finished runs: comparison overlays, gain column, rename, delete, filter."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from rnnlm_studio.core.compare import curve_from_events
from rnnlm_studio.core.runs import RunStore, read_events
from rnnlm_studio.gui import runs_panel
from rnnlm_studio.gui.runs_panel import BEST, DURATION, GAIN, NAME, NEGATIVE, RunsPanel


@pytest.fixture
def panel(qtbot, runs_home: Path) -> RunsPanel:
    widget = RunsPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 300)
    widget.show()
    qtbot.waitUntil(lambda: len(widget.records) == 3, timeout=10_000)
    return widget


def row_of(panel: RunsPanel, run_id: str) -> int:
    return next(row for row in range(panel.model.rowCount())
                if panel.model.item(row, NAME).data(Qt.ItemDataRole.UserRole) == run_id)


def test_two_selected_runs_show_two_curves_in_the_training_plots(make_window, qtbot, runs_home: Path,
                                                                 artifacts: Path) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: len(window.runs_panel.records) == 3, timeout=10_000)
    transfer = next(r for r in RunStore().list() if r.transfer == "parameter")
    baseline = RunStore().get(transfer.baseline_id)
    window.runs_panel.select_runs([transfer.id, baseline.id])
    plots = window.training_panel.plots
    qtbot.waitUntil(lambda: len(plots.overlays) == 2, timeout=10_000)
    qtbot.wait(150)
    curves = [item for item in plots.ppl_plot.listDataItems() if item.xData is not None and len(item.xData)]
    assert len(curves) == 2
    assert plots.x_axis_box.currentData() == "tokens"
    for record in (transfer, baseline):
        expected = curve_from_events(record.id, record.name, read_events(record.run_dir))
        drawn = plots._items[record.id].metric
        assert list(drawn.xData) == expected.tokens
        assert list(drawn.yData) == pytest.approx(expected.word_ppl)
    legend = [label.text for _sample, label in plots.ppl_plot.getPlotItem().legend.items]
    assert sorted(legend) == sorted([transfer.name, baseline.name])
    window.grab().save(str(artifacts / "window-comparison.png"))

    window.runs_panel.select_runs([])
    qtbot.waitUntil(lambda: not plots.overlays, timeout=10_000)


def test_a_run_training_here_shows_its_progress_between_evaluations(panel: RunsPanel, qtbot,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The store hears a run's time every PROGRESS_EVERY_S; the table reads it as often, evaluated or not."""
    monkeypatch.setattr(runs_panel, "PROGRESS_EVERY_S", 0.05)
    run = next(iter(panel.records.values()))
    panel.set_busy_run(run.id)
    RunStore().update(run.id, elapsed=3 * 3600 + 5 * 60)
    qtbot.waitUntil(lambda: panel.model.item(row_of(panel, run.id), DURATION).text() == "3 h 05 min", timeout=10_000)
    panel.set_busy_run(None)
    RunStore().update(run.id, elapsed=60)
    qtbot.wait(300)
    assert panel.model.item(row_of(panel, run.id), DURATION).text() == "3 h 05 min", "no run here: no polling"


def test_gain_column_shows_the_compare_result(panel: RunsPanel) -> None:
    transfer = next(r for r in panel.records.values() if r.transfer == "parameter")
    item = panel.model.item(row_of(panel, transfer.id), GAIN)
    gain, ratio = item.text().split(" · ")
    assert gain.endswith("%") and gain[0] in "+-" and ratio.startswith("×")
    assert "bits saved = 1 −" in item.toolTip() and "word-perplexity ratio" in item.toolTip()
    negative = item.text().startswith("-")
    assert (item.foreground().color() == NEGATIVE) == negative
    scratch = next(r for r in panel.records.values() if r.name == "source-scratch")
    assert panel.model.item(row_of(panel, scratch.id), GAIN).text() == "–"


def test_past_ten_thousand_word_perplexity_the_best_column_leads_with_bits_per_byte(panel: RunsPanel, qtbot) -> None:
    tame = {"word_ppl": 300.0, "bpb": 1.9}
    for record in panel.records.values():
        RunStore().update(record.id, best=tame, final={"valid": tame})
    panel.refresh()
    header = panel.model.horizontalHeaderItem(BEST)
    qtbot.waitUntil(lambda: header.text() == "Best valid word ppl", timeout=10_000)
    scratch = next(r for r in panel.records.values() if r.name == "source-scratch")
    RunStore().update(scratch.id, best={"word_ppl": 53_172.0, "bpb": 2.69})
    panel.refresh()
    qtbot.waitUntil(lambda: header.text() == "Best valid bits/byte", timeout=10_000)
    assert "10^4" in header.toolTip()
    assert panel.model.item(row_of(panel, scratch.id), BEST).text() == "2.69"


def test_rename_filter_and_sort(panel: RunsPanel, qtbot) -> None:
    scratch = next(r for r in panel.records.values() if r.name == "source-scratch")
    panel.select_runs([scratch.id])
    panel.rename(scratch.id, "my baseline")
    qtbot.waitUntil(lambda: panel.records[scratch.id].name == "my baseline", timeout=10_000)
    assert RunStore().get(scratch.id).name == "my baseline"
    panel.filter_edit.setText("MY BASE")
    assert panel.proxy.rowCount() == 1
    panel.filter_edit.clear()
    panel.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    names = [panel.proxy.index(row, NAME).data() for row in range(panel.proxy.rowCount())]
    assert names == sorted(names, key=str.lower)


def test_delete_asks_first(panel: RunsPanel, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = next(r for r in panel.records.values() if r.name == "source-scratch")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_args: answers.pop(0)))
    panel.select_runs([scratch.id])
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert scratch.run_dir.is_dir() and RunStore().get(scratch.id)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: scratch.id not in panel.records, timeout=10_000)
    assert not scratch.run_dir.exists()
    assert not answers


def test_resume_is_offered_only_for_stopped_runs(panel: RunsPanel, qtbot) -> None:
    done = next(iter(panel.records.values()))
    panel.select_runs([done.id])
    assert not panel.resume_button.isEnabled()
    RunStore().update(done.id, status="stopped")
    panel.refresh()
    qtbot.waitUntil(lambda: panel.records[done.id].status == "stopped", timeout=10_000)
    assert panel.resume_button.isEnabled()
    with qtbot.waitSignal(panel.resume_requested) as signal:
        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert signal.args == [done.id]


def _click_row(qtbot, panel: RunsPanel, run_id: str) -> None:  # noqa: ANN001
    index = panel.proxy.mapFromSource(panel.model.index(row_of(panel, run_id), NAME))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.table.visualRect(index).center())


def test_the_lineage_of_a_run_jumps_to_its_ancestor(panel: RunsPanel, qtbot) -> None:
    transfer = next(r for r in panel.records.values() if r.name == "shakespeare-parameter")
    source = next(r for r in panel.records.values() if r.name == "source-scratch")
    _click_row(qtbot, panel, transfer.id)
    assert [r.id for r in panel.selected()] == [transfer.id]
    next(action for action in panel.context_menu().actions() if action.text() == "Lineage").trigger()  # right-click
    assert panel.lineage_button.isChecked() and panel.lineage_view.isVisible()
    tree = panel.lineage_view.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=10_000)
    oldest = tree.topLevelItem(0)
    assert oldest.text(0) == "source-scratch" and oldest.text(2) == "scratch"
    assert oldest.childCount() == 1 and oldest.child(0).text(0) == "shakespeare-parameter"
    assert oldest.child(0).text(2) == "parameter" and float(oldest.child(0).text(3)) > 0
    assert tree.currentItem() is oldest.child(0), "the selected run is highlighted in its lineage"

    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(oldest).center())
    qtbot.waitUntil(lambda: [r.id for r in panel.selected()] == [source.id], timeout=10_000)
    assert tree.topLevelItemCount() == 1 and tree.currentItem() is oldest, "the tree stays, the ancestor highlighted"

    RunStore().rename(source.id, "renamed-source")  # elsewhere: the CLI, say; or the run finishes, evaluated
    panel.refresh()
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1 and tree.topLevelItem(0).text(0) == "renamed-source",
                    timeout=10_000)

    RunStore().delete(source.id)
    panel.refresh()
    qtbot.waitUntil(lambda: source.id not in panel.records, timeout=10_000)
    _click_row(qtbot, panel, transfer.id)
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1 and tree.topLevelItem(0).text(2) == "missing",
                    timeout=10_000)
    assert transfer.config["source"].endswith(source.id), "trained from the source's run folder, now gone"
    assert (tree.topLevelItem(0).text(0), tree.topLevelItem(0).text(1)) == (source.id, "run")
