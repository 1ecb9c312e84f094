"""A study's plots, as a user would put them in a report: the data-efficiency curve with the point
where scratch catches up, bars of the gain per value with error bars, and a heatmap for two axes;
negative transfer in red. The Studies panel exports them, and `study --plot` (through
`plot_file.py`) writes the same pictures, PNG and SVG, so the two never drift apart.

Drawn with pyqtgraph items on a widget that is never shown; the exporters render it offscreen.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QPainter
from PySide6.QtSvg import QSvgGenerator

from ..core.formatting import NEGATIVE, PALETTE, gain_color
from ..core.study_export import axis_names, crossings
from .i18n import translator

tr = translator("StudyPlots")

WIDTH = 900


def _canvas(title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    plot = pg.PlotWidget(title=title)
    plot.resize(WIDTH, int(WIDTH * 0.6))
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.getAxis("left").enableAutoSIPrefix(False)  # gains are fractions of a bit: never "x0.001"
    return plot


def _error_bars(plot: pg.PlotWidget, xs: list[float], ys: list[float], sds: list[float | None], color: str) -> None:
    """±1 sd where there is one (one repeat has none, and gets no bar)."""
    shown = [(x, y, 2 * sd) for x, y, sd in zip(xs, ys, sds) if sd is not None]
    if shown:
        x, y, height = (np.array(column) for column in zip(*shown))
        plot.addItem(pg.ErrorBarItem(x=x, y=y, height=height, beam=0.02, pen=pg.mkPen(color, width=1)))


def _series(cells: Sequence[dict[str, Any]], other: str | None) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for cell in cells:
        groups.setdefault(f"{other}={cell['axes'][other]}" if other else tr("transfer"), []).append(cell)
    return groups


def _curve(plot: pg.PlotWidget, done: list[tuple[float, dict[str, Any]]], keys: tuple[str, str], name: str,
           pen: Any) -> None:
    xs = [f for f, _c in done]
    ys = [c[keys[0]] for _f, c in done]
    plot.plot(xs, ys, name=name, pen=pen, symbol="o", symbolSize=6, symbolBrush=pen.color(), symbolPen=None)
    _error_bars(plot, [math.log10(x) for x in xs], ys, [c.get(keys[1]) for _f, c in done], pen.color().name())


def curve_plot(cells: Sequence[dict[str, Any]]) -> pg.PlotWidget:
    """Bits per byte against the share of target data (log), transfer and its scratch baseline; a
    vertical line where scratch catches up, negative transfer's points in red."""
    other = next((n for n in axis_names(cells) if n != "fraction"), None)
    plot = _canvas(tr("Data efficiency: transfer against scratch"), tr("share of the target training text (log)"),
                   tr("bits per byte (fewer is better)"))
    plot.setLogMode(x=True, y=False)
    plot.addLegend(offset=(-10, 10))
    groups = {label: sorted(((float(c["axes"]["fraction"]), c) for c in group if c["bpb_mean"] is not None),
                            key=lambda item: item[0])
              for label, group in _series(cells, other).items()}
    groups = {label: done for label, done in groups.items() if done}
    scratch = {tuple(c["baseline_bpb_mean"] for _f, c in done): label for label, done in groups.items()}
    dashed = pg.QtCore.Qt.PenStyle.DashLine
    for label, done in groups.items():
        if scratch.get(tuple(c["baseline_bpb_mean"] for _f, c in done)) == label:  # shared baselines once
            _curve(plot, done, ("baseline_bpb_mean", "baseline_bpb_sd"),
                   tr("scratch") if len(scratch) == 1 else tr("scratch ({label})").format(label=label),
                   pg.mkPen("#555555", width=2, style=dashed))
    for i, (label, done) in enumerate(groups.items()):
        _curve(plot, done, ("bpb_mean", "bpb_sd"), label, pg.mkPen(PALETTE[i % len(PALETTE)], width=2))
        negative = [(f, c["bpb_mean"]) for f, c in done if (c["gain_bits_mean"] or 0) < 0]
        if negative:
            plot.plot(*zip(*negative), pen=None, symbol="o", symbolSize=10, symbolBrush=NEGATIVE, symbolPen=None)
    for i, (label, point) in enumerate(crossings(cells).items()):
        if point is not None:
            plot.addItem(pg.InfiniteLine(math.log10(point), angle=90, pen=pg.mkPen(NEGATIVE, width=1),
                                         label=(tr("scratch catches up ({label}): {point:.2g}") if label
                                                else tr("scratch catches up: {point:.2g}"))
                                         .format(label=label, point=point),
                                         labelOpts={"position": 0.95 - 0.07 * i, "color": NEGATIVE, "anchors": [(1, 0), (1, 0)]}))
    return plot


def bars_plot(cells: Sequence[dict[str, Any]]) -> pg.PlotWidget:
    """The gain per value of the (one) axis with ±1 sd error bars; negative transfer red."""
    name = axis_names(cells)[0]
    plot = _canvas(tr("Gain per {name} (1 − bpb / baseline bpb)").format(name=name), name, tr("gain (bits saved)"))
    xs = list(range(len(cells)))
    gains = [c["gain_bits_mean"] or 0.0 for c in cells]
    brushes = [NEGATIVE if g < 0 else PALETTE[0] for g in gains]
    plot.addItem(pg.BarGraphItem(x=xs, height=gains, width=0.6, brushes=brushes, pens=[None] * len(xs)))
    _error_bars(plot, xs, gains, [c.get("gain_bits_sd") for c in cells], "#000000")
    plot.getAxis("bottom").setTicks([[(x, c["axes"][name]) for x, c in zip(xs, cells)]])
    plot.addLine(y=0, pen=pg.mkPen("#000000", width=1))
    return plot


def heatmap_plot(cells: Sequence[dict[str, Any]]) -> pg.PlotWidget:
    """Two axes: a coloured square per cell with its gain written in it (red: negative transfer)."""
    rows_axis, cols_axis = axis_names(cells)
    rows = list(dict.fromkeys(c["axes"][rows_axis] for c in cells))
    cols = list(dict.fromkeys(c["axes"][cols_axis] for c in cells))
    plot = _canvas(tr("Gain (bits saved) per cell"), cols_axis, rows_axis)
    plot.showGrid(x=False, y=False)
    for cell in cells:
        x, y = cols.index(cell["axes"][cols_axis]), rows.index(cell["axes"][rows_axis])
        gain = cell["gain_bits_mean"]
        square = pg.QtWidgets.QGraphicsRectItem(x, y, 1, 1)
        square.setBrush(pg.mkBrush(gain_color(gain)))
        square.setPen(pg.mkPen("#ffffff"))
        plot.addItem(square)
        text = pg.TextItem("–" if gain is None else f"{gain:+.3f}", color=QColor("#000000"), anchor=(0.5, 0.5))
        text.setPos(x + 0.5, y + 0.5)
        plot.addItem(text)
    plot.getAxis("bottom").setTicks([[(i + 0.5, v) for i, v in enumerate(cols)]])
    plot.getAxis("left").setTicks([[]])
    for i, value in enumerate(rows):  # offscreen, a left axis drops text ticks: the row names sit in the plot
        label = pg.TextItem(value, color=QColor("#000000"), anchor=(1, 0.5))
        label.setPos(-0.05, i + 0.5)
        plot.addItem(label)
    plot.invertY(True)  # the first value on top, as the table lists it
    plot.setRange(xRange=(-0.6, len(cols)), yRange=(0, len(rows)), padding=0.02)
    return plot


def study_plots(cells: Sequence[dict[str, Any]]) -> dict[str, pg.PlotWidget]:
    """The plots that fit the study's axes, by file stem."""
    names = axis_names(cells)
    plots = {}
    if "fraction" in names:
        plots["data-efficiency"] = curve_plot(cells)
    if len(names) == 2:
        plots["heatmap"] = heatmap_plot(cells)
    elif "fraction" not in names:
        plots["gain-bars"] = bars_plot(cells)
    return plots


def _write_svg(plot: pg.PlotWidget, path: Path) -> None:
    """Through Qt's own SVG painter: pyqtgraph's SVG exporter fails on the paths this Qt writes."""
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(plot.width(), plot.height()))
    generator.setViewBox(QRect(0, 0, plot.width(), plot.height()))
    generator.setTitle(plot.plotItem.titleLabel.text)
    painter = QPainter(generator)
    try:
        plot.render(painter)
    finally:
        painter.end()


def write_study_plots(cells: Sequence[dict[str, Any]], folder: Path) -> list[Path]:
    """Each plot as PNG and SVG in `folder`; returns the files written."""
    pg.mkQApp()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, plot in study_plots(cells).items():
        png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
        exporter = ImageExporter(plot.plotItem)
        exporter.parameters()["width"] = WIDTH
        exporter.export(str(png))
        _write_svg(plot, svg)
        written += [png, svg]
        plot.close()
    return written
