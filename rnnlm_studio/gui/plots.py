"""Live training curves and run overlays.

Signals only append to column buffers; a single-shot `QTimer` redraws at most every
50 ms, so a fast trainer never makes the interface redraw per step, and view ranges
move in steps rather than with every point, so the axes are rarely redrawn (see
`_StickyRange`). A finished run read back from its `metrics.jsonl` goes through the
same buffers as a live one, so the comparison view shows exactly what the live view showed.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy,
                               QSlider, QSplitter, QToolButton, QVBoxLayout, QWidget)

from ..core.compare import TOKENIZER_NOTE
from ..core.formatting import PALETTE
from ..core.events import Event
from .i18n import N_, translator
from .series import TASK_VIEWS, VALID_COLUMNS, Columns, RunSeries
from .widgets import last_folder, remember_folder

tr = translator("TrainingPlots")
REDRAW_MS = 50  # at most 20 redraws a second
EMPTY_PPL_RANGE = (0.0, 3.0)  # view range with no curves: log10 of 1..1000, or 0..3 bits per byte
X_AXES = {"steps": ("step", N_("steps"), N_("step")), "tokens": ("tokens", N_("tokens"), N_("tokens seen")),
          "time": ("elapsed", N_("time"), N_("wall time (s)"))}  # buffer column, selector text, axis label
METRICS = {"ppl": (N_("token ppl"), N_("token perplexity")), "word_ppl": (N_("word ppl"), N_("word perplexity")),
           "bpb": (N_("bits/byte"), N_("bits per byte")), "accuracy": (N_("accuracy"), N_("accuracy")),
           "macro_f1": (N_("macro-F1"), N_("macro-F1")), "entity_f1": (N_("entity F1"), N_("entity F1"))}  # selector text, axis label
LOG_VIEWS = ("ppl", "word_ppl")

pg.setConfigOptions(background="w", foreground="#202020", antialias=True)


class _StickyRange:
    """Follows the data like pyqtgraph's auto-range, but keeps the view until the data leaves it or fills
    too little of it. A range that moves every frame makes pyqtgraph rebuild and repaint both axes every
    frame, which was most of the interface thread's time during training; this way the axes change a
    few dozen times per run. Zooming or panning by hand stops the following until "Fit"."""

    GROW = 0.25  # headroom on the right, so a growing x axis changes rarely
    PAD = 0.2  # margin above and below the data: a falling loss stays in view for a while
    MIN_FILL = 0.4  # refit when the data spans less than this share of the view

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self.following = True
        plot.disableAutoRange()
        plot.getViewBox().sigRangeChangedManually.connect(self._manual)

    def _manual(self, *_args: Any) -> None:
        self.following = False

    def follow(self) -> None:
        self.following = True
        self.fit(force=True)

    def fit(self, force: bool = False) -> None:
        if not self.following:
            return
        bounds = self._data_bounds()
        if bounds is None:
            return
        (x0, x1), (y0, y1) = bounds
        # Steps, tokens and seconds all start at 0, so a run's first evaluation shows where it happened;
        # a log axis spans at least a decade, so it has a label to read and a lone point has room.
        x0 = min(x0, 0.0)
        y0, y1 = _at_least(y0, y1, 1.0 if self._log_y() else max(abs(y1) * 0.05, 1e-6))
        (vx0, vx1), (vy0, vy1) = self.plot.getViewBox().viewRange()
        if force or _outgrown(x0, x1, vx0, vx1, self.MIN_FILL):
            span = max(x1 - x0, abs(x1) * 1e-3, 1e-9)
            self.plot.setXRange(x0 - span * self.PAD / 4, x0 + span * (1 + self.GROW), padding=0)
        if force or _outgrown(y0, y1, vy0, vy1, self.MIN_FILL):
            pad = (y1 - y0) * self.PAD
            self.plot.setYRange(y0 - pad, y1 + pad, padding=0)

    def _log_y(self) -> bool:
        return self.plot.getPlotItem().ctrl.logYCheck.isChecked()

    def _data_bounds(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """Bounds of every drawn curve in view coordinates (log10 of y on a log axis)."""
        log_y = self._log_y()
        xs, ys = [], []
        for item in self.plot.listDataItems():
            if item.xData is None or not len(item.xData):
                continue
            x, y = np.asarray(item.xData, float), np.asarray(item.yData, float)
            keep = np.isfinite(x) & np.isfinite(y) & ((y > 0) if log_y else True)
            xs.append(x[keep])
            ys.append(np.log10(y[keep]) if log_y else y[keep])
        if not xs or not sum(len(x) for x in xs):
            return None
        x, y = np.concatenate(xs), np.concatenate(ys)
        return (float(x.min()), float(x.max())), (float(y.min()), float(y.max()))


def _at_least(low: float, high: float, span: float) -> tuple[float, float]:
    """(low, high) widened about its middle to at least `span`: with a single point, or a flat curve,
    a zero data span would fill no view and so refit, and repaint the axes, on every redraw."""
    extra = max(span - (high - low), 0.0) / 2
    return low - extra, high + extra


def _outgrown(low: float, high: float, view_low: float, view_high: float, min_fill: float) -> bool:
    return low < view_low or high > view_high or (high - low) < min_fill * (view_high - view_low)


class _LogAxis(pg.AxisItem):
    """Log-scale labels a reader can take in: plain numbers, and over wide ranges only 1×, 2×, 5× (or 1×)
    each decade, since pyqtgraph's default labels every minor tick and they overlap."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        low, high = self.range
        decades = high - low
        keep = None if decades < 1 else ({1, 2, 5} if decades < 2.5 else {1})
        strings = []
        for value in values:
            mantissa = round(10 ** (value % 1))
            mantissa = 1 if mantissa == 10 else mantissa
            strings.append("" if keep is not None and mantissa not in keep else _tick(10 ** value * scale))
        return strings


def _tick(value: float) -> str:
    return f"{value:g}" if 1e-3 <= value < 1e6 else f"{value:.0e}"


class _LegendBelow(pg.LegendItem):
    """The curves' names in a row under the plot, in the plot's own layout, where they never cover a point
    (pyqtgraph's legend floats over the data)."""

    ROW = 4  # under the bottom axis: rows 0-3 are the title, top axis, view and bottom axis

    @classmethod
    def attach(cls, plot: pg.PlotWidget) -> "_LegendBelow":
        item = plot.getPlotItem()
        legend = cls(colCount=3, labelTextSize="8pt", frame=False, horSpacing=12)
        item.layout.addItem(legend, cls.ROW, 1)
        item.legend = legend  # where PlotItem puts each named curve
        return legend

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph name)
        """Ask the plot's layout for room instead of placing itself at the top left, as pyqtgraph does."""
        height = self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).height() if self.items else 0
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        self.updateGeometry()


class _TitledPlot(pg.PlotWidget):
    """A plot whose title ends in "…" when the plot is narrow (the Training dock at 1024×700), with the
    whole title as the title's tooltip: pyqtgraph's title neither wraps nor elides, it is cut off."""

    TITLE_SIZE = "9pt"
    full_title = ""  # a class default: pyqtgraph resizes the widget inside its own __init__

    def set_title(self, text: str) -> None:
        self.full_title = text
        self.plotItem.titleLabel.setToolTip(text)
        self._fit_title()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._fit_title()  # first: the plot item cannot take a width narrower than its title
        super().resizeEvent(event)

    def _fit_title(self) -> None:
        if self.plotItem is None:  # pyqtgraph's __init__ resizes before it makes the plot item
            return
        label = self.plotItem.titleLabel
        font = QFont(label.item.font())
        font.setPointSizeF(float(self.TITLE_SIZE.removesuffix("pt")))
        room = max(40, self.width() - int(self.plotItem.getAxis("left").width()) - 16)
        shown = QFontMetrics(font).elidedText(self.full_title, Qt.TextElideMode.ElideRight, room)
        if shown != label.text:
            self.setTitle(shown, size=self.TITLE_SIZE)
        label.setMinimumWidth(0)  # pyqtgraph sets it to the text's width, which holds the plot wider than its widget


@dataclass
class _Items:
    """The plot items drawing one run."""

    raw: pg.PlotDataItem
    smooth: pg.PlotDataItem
    valid_loss: pg.PlotDataItem
    metric: pg.PlotDataItem
    averaging: tuple[pg.InfiniteLine, pg.InfiniteLine]  # where weight averaging began, on both plots


class TrainingPlots(QWidget):
    """Loss and perplexity plots with x-axis and metric selectors, smoothing, crosshair and export."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live: list[RunSeries] = []
        self.overlays: list[RunSeries] = []
        self.redraw_count = 0
        self._items: dict[str, _Items] = {}
        self._colours: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self._build()

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.x_axis_box = QComboBox()
        for key, (_column, label, _axis) in X_AXES.items():
            self.x_axis_box.addItem(tr(label), key)
        self.x_axis_box.setToolTip(tr("What the horizontal axis counts. Compare runs on tokens seen: "
                               "steps differ when batch sizes differ."))
        self.metric_box = QComboBox()
        for key, (label, _axis) in METRICS.items():
            self.metric_box.addItem(tr(label), key)
        self.metric_box.setCurrentIndex(1)
        self.metric_box.setToolTip(tr("Token perplexity depends on the vocabulary; word perplexity and bits per byte "
                               "compare runs with different tokenizers."))
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, 99)
        self.smoothing_slider.setValue(60)
        self.smoothing_slider.setMinimumWidth(80)
        self.smoothing_slider.setMaximumWidth(140)
        self.smoothing_slider.setToolTip(tr("Exponential moving average of the training loss (0 = raw), as in TensorBoard"))
        self.smoothing_label = QLabel("0.60")
        self.smoothing_label.setMinimumWidth(32)
        autoscale = QPushButton(tr("Fit"))
        autoscale.setToolTip(tr("Autoscale: fit both plots to all their data again"))
        autoscale.clicked.connect(self.autoscale)
        export = self.export_button = QToolButton()
        export.setText(tr("Export"))
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(export)
        export_menu.addAction(tr("Plots as PNG image…"), self.ask_png)
        export_menu.addAction(tr("Curves as CSV table…"), self.ask_csv)
        export.setMenu(export_menu)
        self.x_axis_box.currentIndexChanged.connect(self._schedule_full)
        self.metric_box.currentIndexChanged.connect(self._schedule_full)
        self.smoothing_slider.valueChanged.connect(self._on_smoothing)

        controls = QHBoxLayout()
        for widget in (QLabel(tr("X axis")), self.x_axis_box, QLabel(tr("Metric")), self.metric_box, QLabel(tr("Smoothing")),
                       self.smoothing_slider, self.smoothing_label):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(autoscale)
        controls.addWidget(export)

        self.loss_plot = _TitledPlot()
        self.ppl_plot = _TitledPlot(axisItems={"left": _LogAxis("left")})
        self.loss_plot.set_title(tr("Loss — raw (faint), smoothed, validation (dots)"))
        self.loss_plot.setLabel("left", tr("nats/token"))  # the title says it is the loss
        # No grid: with one, the axes repaint with every new point, most of the drawing cost while a
        # run trains; the crosshair readout gives exact values instead.
        for plot in (self.loss_plot, self.ppl_plot):
            _LegendBelow.attach(plot)
            plot.setMinimumSize(220, 150)
        self._crosshairs = []
        for plot in (self.loss_plot, self.ppl_plot):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self._crosshairs.append(line)
            plot.scene().sigMouseMoved.connect(lambda pos, p=plot: self._on_mouse(p, pos))
            plot.viewport().installEventFilter(self)  # the crosshair leaves with the mouse
        self._ranges = (_StickyRange(self.loss_plot), _StickyRange(self.ppl_plot))
        self.empty_hint = pg.TextItem(html=tr("<div style='text-align:center; color:#777'>No curves yet: press "
                                           "<b>Start</b>,<br>or select runs in the Runs panel<br>to compare "
                                           "them here.</div>"), anchor=(0.5, 0.5))
        self.loss_plot.addItem(self.empty_hint, ignoreBounds=True)
        self.empty_hint.setPos(0.5, 0.5)
        self.plots_box = QSplitter(Qt.Orientation.Horizontal)
        self.plots_box.addWidget(self.loss_plot)
        self.plots_box.addWidget(self.ppl_plot)

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#6b4e00;")
        self.note.hide()
        self.readout = QLabel(tr("Move the mouse over a plot to read every curve at that point."))
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        layout.addWidget(self.plots_box, 1)
        layout.addWidget(self.readout)
        self._apply_axes()

    # --- feeding ---------------------------------------------------------------------------
    def begin_run(self, key: str, name: str, tokenizer: str | None = None,
                  events: list[dict[str, Any]] | None = None) -> RunSeries:
        """A new live run (a resumed one passes the events it already has)."""
        series = RunSeries.from_events(key, name, self._colour(key), events or [], tokenizer, self.smoothing_weight())
        self.live = [s for s in self.live if s.key != key] + [series]
        self.overlays = [s for s in self.overlays if s.key != key]  # a resumed run's stored curve would hide its new points
        self._drop_items(key)
        self._refresh_comparability()
        self._schedule()
        return series

    def add_event(self, event: Event) -> None:
        """Append a live event to the current run; the redraw waits for the timer."""
        if self.live and self.live[-1].add(event):
            self._prefer_task_view()
            self._schedule()

    def clear_live(self) -> None:
        for series in self.live:
            self._drop_items(series.key)
        self.live = []
        self._schedule()

    def set_overlays(self, runs: list[RunSeries]) -> None:
        """Finished runs to draw beside the live one; the shared axis becomes tokens seen."""
        live_keys = {s.key for s in self.live}
        had_overlays = bool(self.overlays)
        for series in self.overlays:
            self._drop_items(series.key)
        self.overlays = [s for s in runs if s.key not in live_keys]
        for series in self.overlays:
            series.colour = self._colour(series.key)
            series.set_smoothing(self.smoothing_weight())
        if self.overlays and not had_overlays:
            self.x_axis_box.setCurrentIndex(list(X_AXES).index("tokens"))
        self._refresh_comparability()
        self._prefer_task_view()
        self._schedule_full()

    def colour_for(self, key: str) -> str:
        return self._colour(key)

    def _prefer_task_view(self) -> None:
        """Task runs have no perplexity: when every run shown is one, show accuracy (and back, when none is)."""
        shown = [s for s in self.live + self.overlays if len(s.valid)]
        if not shown:
            return
        task = all(s.is_task() for s in shown)
        if task != (self.metric_box.currentData() in TASK_VIEWS):
            self.metric_box.setCurrentIndex(self.metric_box.findData("accuracy" if task else "word_ppl"))

    # --- state the app persists ------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"x_axis": self.x_axis_box.currentData(), "metric": self.metric_box.currentData(),
                "smoothing": self.smoothing_slider.value()}

    def set_state(self, state: dict[str, Any]) -> None:
        for combo, key in ((self.x_axis_box, "x_axis"), (self.metric_box, "metric")):
            index = combo.findData(state.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        if isinstance(state.get("smoothing"), int):
            self.smoothing_slider.setValue(state["smoothing"])

    def smoothing_weight(self) -> float:
        return self.smoothing_slider.value() / 100

    # --- drawing ---------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _schedule_full(self) -> None:
        self._apply_axes()
        self._schedule()

    def _on_smoothing(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")
        for series in self.live + self.overlays:
            series.set_smoothing(value / 100)
        self._schedule()

    def _apply_axes(self) -> None:
        x_label = tr(X_AXES[self.x_axis_box.currentData()][2])
        metric = self.metric_box.currentData()
        for plot in (self.loss_plot, self.ppl_plot):
            plot.setLabel("bottom", x_label)
        self.ppl_plot.setLogMode(x=False, y=metric in LOG_VIEWS)
        name = tr(METRICS[metric][1])
        self.ppl_plot.setLabel("left", name)  # a rotated axis label is never elided: short, or a short plot clips it
        title = (tr("Validation {name} — higher is better") if metric in TASK_VIEWS
                 else tr("Validation {name} — lower is better"))
        self.ppl_plot.set_title(title.format(name=name + (tr(" (log scale)") if metric in LOG_VIEWS else "")))
        self._show_when_empty()

    def redraw(self) -> None:
        """Push every buffer into its plot items; called by the timer, never per event."""
        self.redraw_count += 1
        x_column = X_AXES[self.x_axis_box.currentData()][0]
        metric = self.metric_box.currentData()
        token_comparable = self.token_metrics_comparable()
        for series in self.live:
            self._draw(series, x_column, metric, raw=True, token_curves=True)
        for series in self.overlays:
            self._draw(series, x_column, metric, raw=False, token_curves=token_comparable)
        for ranges in self._ranges:
            ranges.fit()
        self._show_when_empty()

    def _show_when_empty(self) -> None:
        """With no curves: the hint, and a perplexity axis over 1 to 1,000 (0 to 3 bits per byte), the
        range a reader expects, instead of pyqtgraph's 0-1 view that labels a log axis with a lone 2 and 5."""
        empty = not any(len(s.train) or len(s.valid) for s in self.live + self.overlays)
        self.empty_hint.setVisible(empty)
        if empty:
            self.ppl_plot.setYRange(*EMPTY_PPL_RANGE, padding=0)

    def _draw(self, series: RunSeries, x_column: str, metric: str, *, raw: bool, token_curves: bool) -> None:
        """Compared runs get no raw loss (too busy), and no token loss when tokenizers differ."""
        items = self._items.get(series.key) or self._create_items(series)
        train, valid = series.train, series.valid
        _set(items.raw, train[x_column], train["loss"], raw)
        _set(items.smooth, train[x_column], train["smooth"], token_curves)
        _set(items.valid_loss, valid[x_column], valid["loss"], token_curves)
        _set(items.metric, valid[x_column], valid[metric], True)
        for line in items.averaging:
            line.setVisible(series.averaged_from is not None)
            if series.averaged_from is not None:
                line.setPos(series.averaged_from[x_column])

    def _create_items(self, series: RunSeries) -> _Items:
        colour = QColor(series.colour)
        faint = QColor(colour)
        faint.setAlpha(70)
        raw = self.loss_plot.plot(pen=pg.mkPen(faint, width=1))
        smooth = self.loss_plot.plot(pen=pg.mkPen(colour, width=2), name=series.name)
        for item in (raw, smooth):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        valid_loss = self.loss_plot.plot(pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
                                         symbol="o", symbolSize=6, symbolBrush=colour, symbolPen=colour)
        metric = self.ppl_plot.plot(pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=6, symbolBrush=colour,
                                    symbolPen=colour, name=series.name)
        averaging = tuple(self._averaging_line(plot, colour) for plot in (self.loss_plot, self.ppl_plot))
        items = _Items(raw, smooth, valid_loss, metric, averaging)
        self._items[series.key] = items
        return items

    @staticmethod
    def _averaging_line(plot: pg.PlotWidget, colour: QColor) -> pg.InfiniteLine:
        """A dotted line in the run's colour where its weights began to be averaged (`--average-from`):
        the validation curve after it is the mean's, which explains its drop."""
        line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine),
                               label=tr("averaged →"), labelOpts={"position": 0.92, "color": colour})
        line.setToolTip(tr("From here on, evaluations use the mean of the weights (Average weights from)"))
        line.hide()
        plot.addItem(line, ignoreBounds=True)
        return line

    def _drop_items(self, key: str) -> None:
        items = self._items.pop(key, None)
        if items is None:
            return
        for item in (items.raw, items.smooth, items.valid_loss, items.averaging[0]):
            self.loss_plot.removeItem(item)
        for item in (items.metric, items.averaging[1]):
            self.ppl_plot.removeItem(item)

    def _colour(self, key: str) -> str:
        if key not in self._colours:
            self._colours[key] = PALETTE[len(self._colours) % len(PALETTE)]
        return self._colours[key]

    def autoscale(self) -> None:
        """Fit both plots to their data again, and keep following it (after the user zoomed or panned)."""
        for ranges in self._ranges:
            ranges.follow()

    # --- comparability ---------------------------------------------------------------------
    def token_metrics_comparable(self) -> bool:
        """Token perplexity and token loss only compare runs that share one tokenizer."""
        tokenizers = {s.tokenizer for s in self.live + self.overlays if s.tokenizer}
        return len(tokenizers) <= 1

    def _refresh_comparability(self) -> None:
        comparable = self.token_metrics_comparable()
        model = self.metric_box.model()
        assert isinstance(model, QStandardItemModel)
        model.item(0).setEnabled(comparable)
        if not comparable and self.metric_box.currentData() == "ppl":
            self.metric_box.setCurrentIndex(1)
        self.note.setText("" if comparable else tr("Note: {note}; token loss is hidden for compared runs.").format(
            note=TOKENIZER_NOTE))
        self.note.setVisible(not comparable)

    # --- crosshair -------------------------------------------------------------------------
    def _on_mouse(self, plot: pg.PlotWidget, pos: Any) -> None:
        view = plot.getPlotItem().vb
        if not view.sceneBoundingRect().contains(pos):
            self._hide_crosshairs()
            return
        x = view.mapSceneToView(pos).x()
        for line in self._crosshairs:
            line.setPos(x)
            line.show()
        self.readout.setText(self.readout_at(x))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self._hide_crosshairs()
        return False

    def _hide_crosshairs(self) -> None:
        for line in self._crosshairs:
            line.hide()

    def readout_at(self, x: float) -> str:
        """Every visible curve's value at the last point at or before `x` on the current axis."""
        x_column, _text, x_label = X_AXES[self.x_axis_box.currentData()]
        metric = self.metric_box.currentData()
        parts = [f"<b>{tr(x_label)} {_fmt(x)}</b>"]
        token_comparable = self.token_metrics_comparable()
        for series in self.live + self.overlays:
            values = []
            if token_comparable or series in self.live:
                loss = _value_at(series.train, x_column, "smooth", x)
                if loss is not None:
                    values.append(tr("train loss {loss:.3f}").format(loss=loss))
            value = _value_at(series.valid, x_column, metric, x)
            if value is not None:
                values.append(f"{tr(METRICS[metric][0])} {_fmt(value)}")
            if values:
                parts.append(f"<span style='color:{series.colour}'>■</span> {series.name}: {', '.join(values)}")
        return " &nbsp;·&nbsp; ".join(parts)

    # --- export ----------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> None:
        """The plots as they are, without the crosshair the mouse left on them."""
        shown = [line.isVisible() for line in self._crosshairs]
        self._hide_crosshairs()
        image = self.plots_box.grab()
        for line, visible in zip(self._crosshairs, shown):
            line.setVisible(visible)
        if not image.save(str(path)):
            raise OSError(tr("could not write {path}").format(path=path))

    def export_csv(self, path: str | Path) -> None:
        """Every buffered point in long form: one row per run, series and point; a column a series lacks
        is empty. Rows are written by column name, so every row has the header's fields."""
        fields = ("run", "series", *VALID_COLUMNS, "smoothed_loss")
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fields, restval="")
            writer.writeheader()
            for series in self.live + self.overlays:
                for i in range(len(series.train)):
                    row = {c: _csv_number(series.train[c][i]) for c in ("step", "tokens", "elapsed", "loss")}
                    writer.writerow({"run": series.name, "series": "train", **row,
                                     "smoothed_loss": _csv_number(series.train["smooth"][i])})
                for i in range(len(series.valid)):
                    writer.writerow({"run": series.name, "series": "valid",
                                     **{c: _csv_number(series.valid[c][i]) for c in VALID_COLUMNS}})

    def ask_png(self) -> None:
        self._ask_export(tr("PNG image (*.png)"), ".png", self.export_png)

    def ask_csv(self) -> None:
        self._ask_export(tr("CSV table (*.csv)"), ".csv", self.export_csv)

    def _ask_export(self, file_filter: str, suffix: str, write: Any) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Export"), str(Path(last_folder("export")) / f"curves{suffix}"),
                                              file_filter)
        if not path:
            return
        remember_folder("export", path)
        try:
            write(path)
        except OSError as exc:
            self.note.setText(tr("Export failed: {error}. Choose a folder you can write to.").format(error=exc))
            self.note.show()


def _set(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray, shown: bool) -> None:
    if shown:
        item.setData(x, y)
    else:
        item.setData(np.empty(0), np.empty(0))


def _value_at(columns: Columns, x_column: str, y_column: str, x: float) -> float | None:
    xs = columns[x_column]
    index = int(np.searchsorted(xs, x, side="right")) - 1
    return float(columns[y_column][index]) if index >= 0 else None


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _csv_number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))
