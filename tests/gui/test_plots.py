"""The plots fed with hand-made events: buffers, timer-throttled redraws, selectors, overlays, export."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from rnnlm_studio.core.events import AverageEvent, EvalEvent, StepEvent, event_from_dict
from rnnlm_studio.gui.plots import REDRAW_MS, TrainingPlots
from rnnlm_studio.gui.series import RunSeries


def step(i: int, loss: float) -> StepEvent:
    return StepEvent(step=i, epoch=0, tokens_seen=i * 512, loss=loss, lr=1e-3, grad_norm=0.5,
                     tokens_per_s=1000.0, elapsed=i * 0.01, progress=i / 1000, eta=None)


def valid(i: int, loss: float) -> EvalEvent:
    return EvalEvent(step=i, tokens_seen=i * 512, elapsed=i * 0.01, split="valid", loss=loss,
                     ppl=math.exp(loss), word_ppl=math.exp(loss * 1.3), bpb=loss / math.log(2) / 3.5)


def events_dicts(n: int, every: int, offset: float = 0.0) -> list[dict]:
    out = []
    for i in range(1, n + 1):
        out.append(step(i * 10, 6.0 - i * 0.01 + offset).to_dict())
        if i % every == 0:
            out.append(valid(i * 10, 5.5 - i * 0.01 + offset).to_dict())
    return out


@pytest.fixture
def plots(qtbot) -> TrainingPlots:
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    return widget


def test_events_fill_buffers_and_redraw_is_throttled(plots: TrainingPlots, qtbot) -> None:
    plots.begin_run("run-a", "run a")
    rng = np.random.default_rng(0)
    for i in range(1, 501):
        plots.add_event(step(i, 5.0 + float(rng.normal())))
        if i % 100 == 0:
            plots.add_event(valid(i, 4.0))
    assert plots.redraw_count == 0, "a redraw happened per event instead of on the timer"
    assert plots.empty_hint.isVisible()
    qtbot.wait(REDRAW_MS * 3)
    assert plots.redraw_count == 1
    assert not plots.empty_hint.isVisible()
    series = plots.live[0]
    assert len(series.train) == 500 and len(series.valid) == 5
    items = plots._items["run-a"]
    assert len(items.raw.xData) == 500 and len(items.metric.xData) == 5
    assert np.std(series.train["smooth"][50:]) < np.std(series.train["loss"][50:]) / 2


def test_empty_perplexity_axis_reads_1_to_1000_until_a_curve_arrives(plots: TrainingPlots, qtbot) -> None:
    axis = plots.ppl_plot.getPlotItem().getAxis("left")
    assert plots.ppl_plot.getViewBox().viewRange()[1] == pytest.approx([0.0, 3.0])
    spacing, major = axis.tickValues(0.0, 3.0, 300)[0]
    assert axis.tickStrings(major, 1.0, spacing) == ["1", "10", "100", "1000"]
    plots.begin_run("run-a", "run a")
    plots.add_event(step(10, 5.0))
    qtbot.wait(REDRAW_MS * 3)
    assert not plots.empty_hint.isVisible()
    assert plots.ppl_plot.getViewBox().viewRange()[1] == pytest.approx([0.0, 3.0])  # loss drawn, no eval yet
    plots.add_event(valid(10, 8.0))
    qtbot.wait(REDRAW_MS * 3)
    low, high = plots.ppl_plot.getViewBox().viewRange()[1]
    assert low < math.log10(math.exp(8.0 * 1.3)) < high and high > 3.0


def test_a_lone_first_evaluation_gets_a_readable_axis_that_stays_put(plots: TrainingPlots, qtbot,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    plots.begin_run("run-a", "run a")
    for event in (step(390, 5.4), step(400, 5.3), valid(400, 5.2)):
        plots.add_event(event)
    qtbot.wait(REDRAW_MS * 3)
    (x_low, x_high), (y_low, y_high) = plots.ppl_plot.getViewBox().viewRange()
    assert x_low <= 0 and 400 < x_high < 600, "the first evaluation should show where in the run it happened"
    assert y_high - y_low >= 1.0 and y_low < math.log10(math.exp(5.2 * 1.3)) < y_high
    axis = plots.ppl_plot.getPlotItem().getAxis("left")
    labelled = [label for spacing, values in axis.tickValues(y_low, y_high, 300)
                for label in axis.tickStrings(values, 1.0, spacing) if label]
    assert labelled, "a log axis over less than a decade had no labels at all"
    refits = []
    monkeypatch.setattr(plots.ppl_plot, "setYRange", lambda *a, **k: refits.append(a))
    monkeypatch.setattr(plots.ppl_plot, "setXRange", lambda *a, **k: refits.append(a))
    plots.redraw()
    assert refits == [], "an unchanged single point refit the view (and repainted the axes) on every redraw"


def test_ema_is_debiased_and_zero_weight_is_raw(plots: TrainingPlots) -> None:
    plots.begin_run("run-a", "run a")
    for i, loss in enumerate((4.0, 2.0, 3.0), start=1):
        plots.add_event(step(i, loss))
    series = plots.live[0]
    assert series.train["smooth"][0] == pytest.approx(4.0)  # debiased: no pull towards zero
    plots.smoothing_slider.setValue(0)
    assert list(series.train["smooth"]) == [4.0, 2.0, 3.0]
    plots.smoothing_slider.setValue(50)
    assert series.train["smooth"][1] == pytest.approx((0.25 * 4 + 0.5 * 2) / 0.75)


def test_axis_and_metric_selectors(plots: TrainingPlots, qtbot) -> None:
    plots.begin_run("run-a", "run a")
    for event in (step(10, 5.0), valid(10, 4.5), step(20, 4.0), valid(20, 4.2)):
        plots.add_event(event)
    plots.x_axis_box.setCurrentIndex(plots.x_axis_box.findData("tokens"))
    plots.metric_box.setCurrentIndex(plots.metric_box.findData("bpb"))
    qtbot.wait(REDRAW_MS * 3)
    items = plots._items["run-a"]
    assert list(items.metric.xData) == [10 * 512, 20 * 512]
    assert list(items.metric.yData) == pytest.approx([4.5 / math.log(2) / 3.5, 4.2 / math.log(2) / 3.5])
    assert not plots.ppl_plot.getPlotItem().ctrl.logYCheck.isChecked()
    plots.metric_box.setCurrentIndex(plots.metric_box.findData("word_ppl"))
    qtbot.wait(REDRAW_MS * 3)
    assert plots.ppl_plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert "word perplexity" in plots.ppl_plot.getPlotItem().getAxis("left").labelText


def test_resumed_run_replaces_replayed_points(plots: TrainingPlots) -> None:
    plots.begin_run("run-a", "run a")
    for i in (10, 20, 30, 40):
        plots.add_event(step(i, 5.0))
    plots.add_event(step(30, 4.0))
    assert list(plots.live[0].train["step"]) == [10, 20, 30]
    assert plots.live[0].train["loss"][-1] == 4.0


def test_where_averaging_began_is_marked_on_both_plots_on_every_x_axis(plots: TrainingPlots, qtbot) -> None:
    """The run announces averaging after the step it begins at, and that step's own point may come after
    the announcement; a resume from before it takes the mark away until the run announces it again."""
    plots.begin_run("run-a", "run a")
    for i in (10, 20):
        plots.add_event(step(i, 5.0))
    plots.add_event(AverageEvent(step=30, tokens_seen=30 * 512, elapsed=0.3, share=0.5))
    for i in (30, 40):
        plots.add_event(step(i, 4.0))
    plots.redraw()
    lines = plots._items["run-a"].averaging
    assert [(line.isVisible(), line.value()) for line in lines] == [(True, 30), (True, 30)]
    plots.x_axis_box.setCurrentIndex(plots.x_axis_box.findData("tokens"))
    plots.redraw()
    assert [line.value() for line in lines] == [30 * 512, 30 * 512]
    plots.add_event(step(20, 4.5))  # resumed from step 10's checkpoint
    plots.redraw()
    assert not any(line.isVisible() for line in lines)
    stored = [step(10, 5.0).to_dict(), AverageEvent(step=10, tokens_seen=5120, elapsed=0.1, share=0.5).to_dict(),
              step(10, 5.0).to_dict()]
    assert RunSeries.from_events("b", "b", "#000000", stored).averaged_from == {"step": 10, "tokens": 5120,
                                                                                 "elapsed": 0.1}


def test_two_overlays_draw_two_curves_with_legend(plots: TrainingPlots, qtbot) -> None:
    runs = [RunSeries.from_events("a", "scratch", "", events_dicts(20, 5), tokenizer="tok1"),
            RunSeries.from_events("b", "parameter", "", events_dicts(20, 5, offset=-0.5), tokenizer="tok1")]
    plots.set_overlays(runs)
    qtbot.wait(REDRAW_MS * 3)
    assert plots.x_axis_box.currentData() == "tokens"
    curves = [item for item in plots.ppl_plot.listDataItems() if item.xData is not None and len(item.xData)]
    assert len(curves) == 2
    assert {pen.color().name() for pen in (c.opts["pen"] for c in curves)} == {plots.colour_for("a"),
                                                                               plots.colour_for("b")}
    legend = [label.text for _sample, label in plots.ppl_plot.getPlotItem().legend.items]
    assert legend == ["scratch", "parameter"]
    assert "scratch" in plots.readout_at(100 * 512) and "parameter" in plots.readout_at(100 * 512)


def test_different_tokenizers_hide_token_perplexity(plots: TrainingPlots, qtbot) -> None:
    plots.metric_box.setCurrentIndex(plots.metric_box.findData("ppl"))
    runs = [RunSeries.from_events("a", "unigram", "", events_dicts(10, 5), tokenizer="tok1"),
            RunSeries.from_events("b", "bpe", "", events_dicts(10, 5), tokenizer="tok2")]
    plots.set_overlays(runs)
    qtbot.wait(REDRAW_MS * 3)
    assert plots.metric_box.currentData() == "word_ppl"
    assert not plots.metric_box.model().item(0).isEnabled()
    assert plots.note.isVisible() and "tokenizers" in plots.note.text()
    assert all(len(plots._items[key].valid_loss.xData or []) == 0 for key in ("a", "b"))


def test_export_png_and_csv(plots: TrainingPlots, qtbot, tmp_path) -> None:
    plots.begin_run("run-a", "run a")
    for data in events_dicts(12, 4):
        plots.add_event(event_from_dict(data))
    qtbot.wait(REDRAW_MS * 3)
    plots.export_png(tmp_path / "curves.png")
    plots.export_csv(tmp_path / "curves.csv")
    assert (tmp_path / "curves.png").stat().st_size > 1000
    rows = list(csv.DictReader(open(tmp_path / "curves.csv", encoding="utf-8")))
    assert [r["series"] for r in rows].count("train") == 12 and [r["series"] for r in rows].count("valid") == 3
    assert float(rows[0]["loss"]) == pytest.approx(6.0 - 0.01)


def test_csv_export_rows_have_the_header_s_fields(plots: TrainingPlots, qtbot, tmp_path, monkeypatch) -> None:
    """Issue #20, defect 7: 10 header columns but 11 fields per train row, smoothed_loss in an unnamed column."""
    plots.begin_run("run-a", "run a")
    for data in events_dicts(12, 4):
        plots.add_event(event_from_dict(data))
    qtbot.wait(REDRAW_MS * 3)
    target = tmp_path / "exported.csv"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", staticmethod(lambda *_a: (str(target), "")))
    plots.ask_csv()  # File ▸ Export curves as CSV…
    with open(target, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert all(len(row) == len(header) for row in rows)
    assert len(set(header)) == len(header) and all(header)
    train = [dict(zip(header, row)) for row in rows if row[header.index("series")] == "train"]
    evals = [dict(zip(header, row)) for row in rows if row[header.index("series")] == "valid"]
    assert all(row["ppl"] == row["bpb"] == "" for row in train)
    assert float(train[0]["smoothed_loss"]) == pytest.approx(float(train[0]["loss"]))  # the EMA starts at the loss
    assert float(train[-1]["smoothed_loss"]) > float(train[-1]["loss"])  # and lags a falling loss
    assert all(row["smoothed_loss"] == "" and float(row["bpb"]) > 0 for row in evals)


def test_legend_sits_below_the_points_and_the_crosshair_neither_sticks_nor_exports(
        plots: TrainingPlots, qtbot, tmp_path) -> None:
    """Issue #20: the legend covered points; the crosshair stuck after the mouse left and was in the PNG."""
    plots.set_overlays([RunSeries.from_events("a", "scratch", "", events_dicts(40, 4)),
                        RunSeries.from_events("b", "parameter", "", events_dicts(40, 4, 0.3))])
    qtbot.wait(REDRAW_MS * 3)
    for plot in (plots.loss_plot, plots.ppl_plot):
        item = plot.getPlotItem()
        assert [label.text for _sample, label in item.legend.items] == ["scratch", "parameter"]
        assert not item.legend.sceneBoundingRect().intersects(item.vb.sceneBoundingRect())
        assert item.legend.isVisible() and item.legend.sceneBoundingRect().height() > 0
    plots.export_png(tmp_path / "clean.png")

    view = plots.ppl_plot.getPlotItem().vb
    plots.ppl_plot.scene().sigMouseMoved.emit(view.sceneBoundingRect().center())  # the mouse over the plot
    assert all(line.isVisible() for line in plots._crosshairs)
    plots.export_png(tmp_path / "hovered.png")
    assert QImage(str(tmp_path / "hovered.png")) == QImage(str(tmp_path / "clean.png"))
    QApplication.sendEvent(plots.ppl_plot.viewport(), QEvent(QEvent.Type.Leave))  # and away from it
    assert not any(line.isVisible() for line in plots._crosshairs)
