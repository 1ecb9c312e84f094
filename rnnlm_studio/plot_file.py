"""Curves to PNG without a window, for `compare --plot`, `transfer-curve --plot` and `study --plot`.

Drawn with pyqtgraph offscreen so the picture matches the app's own plots. This is the
one place a headless command loads Qt, and only when a plot file is asked for. It sits on the
CLI's floor, beside it, rather than in `gui/`: no window is involved, and the CLI never
reaches into the GUI.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg  # noqa: E402
from pyqtgraph.exporters import ImageExporter  # noqa: E402

from .core.formatting import PALETTE  # noqa: E402



def plot_series(series: Sequence[tuple[str, Sequence[float], Sequence[float]]], path: str | Path, *,
                title: str, x_label: str, y_label: str, log_x: bool = False, log_y: bool = True,
                width: int = 900) -> Path:
    """Each series is (label, xs, ys); the PNG is written to `path`."""
    pg.mkQApp()
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    plot = pg.PlotWidget(title=title)
    plot.resize(width, int(width * 0.6))
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.setLogMode(x=log_x, y=log_y)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.addLegend(offset=(-10, 10))
    for i, (label, xs, ys) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        plot.plot(list(xs), list(ys), name=label, pen=pg.mkPen(color, width=2),
                  symbol="o", symbolSize=5, symbolBrush=color, symbolPen=None)
    exporter = ImageExporter(plot.plotItem)
    exporter.parameters()["width"] = width
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    exporter.export(str(path))
    plot.close()
    return path


def study_plot_files(cells: Sequence[dict], folder: Path) -> list[Path]:
    """`study --plot`: the Studies panel's plots (gui/study_plots.py), PNG and SVG, into the study folder."""
    from .gui.study_plots import write_study_plots

    return write_study_plots(cells, folder)
