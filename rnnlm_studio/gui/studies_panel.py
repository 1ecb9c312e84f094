"""The Studies panel: a grid of transfer runs with matched baselines, filled in live.

The runs take their settings (text, source, model, budget) from the other panels, as Start does;
this panel adds the axes, the repeats and how many runs train at once. The study runs on a `Lane`
(the shared worker system), which iterates core/study_runner's events and posts each to the
interface thread; each run is a child process, so the window stays as responsive as with one run.
A cell's colour is its gain in bits saved (green: transfer helped, red: negative transfer); a click
selects its runs in the Runs panel.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..core.config import TrainConfig
from ..core.errors import StudioError
from ..core.events import Event
from ..core.formatting import format_duration, format_mean_sd, gain_color
from ..core.study import (StudyFolder, StudySpec, available_axes, default_study_name, grid, list_studies,
                          parse_axis)
from ..core.study_export import study_csv, study_markdown
from ..core.study_runner import (CellEvent, RunFinishedEvent, StudyControl, StudyDoneEvent, StudyStartEvent,
                                 resume_study, start_study)
from .i18n import N_, translator
from .study_plots import write_study_plots
from .widgets import MessageBar, last_folder, remember_folder
from .wording import WORDING_ENV
from .workers import Lane

tr = translator("StudiesPanel")

NO_AXIS = N_("(none)")
EXAMPLES = {"transfer": "parameter,feature,ulmfit", "fraction": "0.1,0.3,1", "freeze": "none,embedding,embedding+rnn.0",
            "transfer-layers": "embedding,embedding+rnn.0", "source": "english-lstm,shakespeare-char",
            "lr": "1e-3,2e-3,4e-3", "mapping": "embedding,lowrank", "average-from": "off,0.5,0.75",
            "hidden-size": "512,768", "layers": "2,3"}
WAIT_ON_CLOSE_MS = 60_000
CHILD_ENV = {WORDING_ENV: "gui"}  # the runs' messages (a failed run's, shown here) in the window's words


class StudiesPanel(QWidget):
    """Axes, start/stop, the live grid with progress and ETA, exports."""

    runs_requested = Signal(list)  # run ids of a clicked cell, for the Runs panel
    runs_changed = Signal()  # a study run started or ended: the Runs panel has news
    ended = Signal()  # the study stopped, finished or failed: a window waiting to close can go

    def __init__(self, config_source: Callable[[], TrainConfig] | None = None,
                 where_source: Callable[[], tuple[str, dict[str, str]]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config_source = config_source
        self.where_source = where_source  # the Model panel's device choice: the trainer's device, the runs' environment
        self.lane = Lane(self)
        self.control: StudyControl | None = None
        self.spec: StudySpec | None = None  # the study shown
        self.cells: dict[int, dict[str, Any]] = {}
        self.done: StudyDoneEvent | None = None
        self.layout_axes: list[tuple[str, list[str]]] = []
        self._build()

    # --- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        self.message = MessageBar()
        self.axis_names = [QComboBox(), QComboBox()]
        self.axis_values = [QLineEdit(), QLineEdit()]
        self.axis_names[0].addItems(available_axes())
        self.axis_names[1].addItems([tr(NO_AXIS), *available_axes()])
        for combo, edit in zip(self.axis_names, self.axis_values):
            combo.currentTextChanged.connect(lambda name, edit=edit: edit.setPlaceholderText(EXAMPLES.get(name, "")))
            edit.setPlaceholderText(EXAMPLES.get(combo.currentText(), ""))
        self.axis_names[0].setCurrentText("fraction")
        self.repeats = QSpinBox(minimum=1, maximum=100, value=1)
        self.repeats.setToolTip(tr("Runs per cell, each with its own seed; the table shows mean ± standard deviation"))
        self.jobs = QSpinBox(minimum=1, maximum=64, value=1)
        self.jobs.setToolTip(tr("Runs training at once, each in its own process; the CPU threads are divided "
                                "between them (on a 2-core machine, 1 is usually as fast)"))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("study-DATE-TIME"))
        form = QFormLayout()
        for i, label in enumerate((tr("First axis"), tr("Second axis"))):
            row = QHBoxLayout()
            row.addWidget(self.axis_names[i])
            row.addWidget(self.axis_values[i], 1)
            form.addRow(label, row)
        numbers = QHBoxLayout()
        for label, widget in ((tr("Repeats"), self.repeats), (tr("At once"), self.jobs), (tr("Name"), self.name_edit)):
            numbers.addWidget(QLabel(label))
            numbers.addWidget(widget, 1 if widget is self.name_edit else 0)
        form.addRow(numbers)
        self.start_button = QPushButton(tr("Start study"))
        self.stop_button = QPushButton(tr("Stop"))
        self.export_button = QPushButton(tr("Export…"))
        self.export_button.setToolTip(tr("Write the table (CSV), a Markdown report and the plots (PNG and SVG)"))
        self.studies = QComboBox()
        self.studies.setToolTip(tr("Studies stored in the data folder"))
        self.resume_button = QPushButton(tr("Resume"))
        self.resume_button.setToolTip(tr("Open a stored study and train its unfinished runs"))
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.export_button.clicked.connect(self.ask_export)
        self.resume_button.clicked.connect(lambda: self.resume(self.studies.currentText()))
        buttons = QHBoxLayout()
        for widget in (self.start_button, self.stop_button, self.export_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        stored = QHBoxLayout()  # a row of its own, so the panel fits a 1024×700 window's dock
        stored.addWidget(QLabel(tr("Stored study")))
        stored.addWidget(self.studies, 1)
        stored.addWidget(self.resume_button)
        self.progress = QProgressBar()
        self.eta_label = QLabel()
        progress = QHBoxLayout()
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.eta_label)
        self.grid = QTableWidget()
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.cellClicked.connect(self._on_cell_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(stored)
        layout.addLayout(progress)
        layout.addWidget(self.grid, 1)
        self.refresh_studies()
        self._update_buttons()

    # --- starting and stopping ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.control is not None

    def axes(self) -> list[tuple[str, list[str]]]:
        """The axes as typed; a value that is not one the axis takes is named in its own words."""
        chosen = [(combo.currentText(), edit.text().strip()) for combo, edit in zip(self.axis_names, self.axis_values)
                  if combo.currentText() != tr(NO_AXIS)]
        for name, values in chosen:
            if not values:
                raise StudioError(tr("type the values of the {name} axis, separated by commas (e.g. {examples})")
                                  .format(name=name, examples=EXAMPLES[name]))
        return [parse_axis(f"{name}={values}") for name, values in chosen]

    def start(self) -> None:
        if self.running or self.config_source is None:
            return
        try:
            axes = self.axes()
            config = self.config_source()  # its device is the Model panel's too
            _device, env = self._where()
            if not config.source and "source" not in dict(axes):
                raise StudioError(tr("a study compares transfer with scratch: choose a source model in the "
                                     "Model & Transfer panel, or make source one of the axes"))
        except StudioError as exc:
            self.message.show_message(str(exc), "error")
            return
        config.threads, config.name, config.baseline = 0, None, False  # threads: the cores divided by "at once"
        spec = StudySpec(name=self.name_edit.text().strip() or default_study_name(), base=config.to_dict(), axes=axes,
                         repeats=self.repeats.value(), jobs=self.jobs.value())
        if spec.name in list_studies():  # core's refusal names the command line's --resume and --name
            self.message.show_message(tr("a study named {name} exists already: choose it under Stored study and "
                                         "press Resume, or type another name").format(name=spec.name), "error")
            return
        self._begin(spec, lambda control: start_study(spec, control, env=env))

    def resume(self, name: str) -> None:
        if self.running or not name:
            return
        try:
            spec = StudyFolder.open(name).spec
            device, env = self._where()
        except StudioError as exc:
            self.message.show_message(str(exc), "error")
            return
        self._begin(spec, lambda control: resume_study(name, control, jobs=self.jobs.value(), env=env,
                                                       device=device))

    def _where(self) -> tuple[str | None, dict[str, str]]:
        device, env = self.where_source() if self.where_source else (None, {})
        return device, {**CHILD_ENV, **env}

    def _begin(self, spec: StudySpec, open_study: Callable[[StudyControl], Any]) -> None:
        self.message.clear()
        self.control = StudyControl()
        self.spec, self.done, self.cells = spec, None, {}
        self.progress.setValue(0)
        self.eta_label.setText(tr("planning…"))
        control = self.control

        def work() -> None:
            study = open_study(control)
            for event in study.events():
                self.lane.post(self.on_event, event)

        self.lane.start(work, self._on_finished, self._on_failed)
        self._update_buttons()

    def stop(self) -> None:
        """Running runs stop with a checkpoint; Resume (or `study --resume`) trains what is left."""
        if self.control is not None:
            self.control.stop()
            self.eta_label.setText(tr("stopping…"))
            self._update_buttons()

    def shutdown(self) -> None:
        """On closing the window (which asked first and waits for `ended` while a study runs): whatever is
        left of the study stops, and its thread is let finish."""
        self.stop()
        self.lane.wait(WAIT_ON_CLOSE_MS)

    def _on_finished(self, _result: Any) -> None:
        self.control = None
        self.eta_label.setText(tr("stopped: Resume trains the rest") if self.done is None or self._unfinished()
                               else tr("done"))
        self.refresh_studies()
        self._update_buttons()
        self.runs_changed.emit()
        self.ended.emit()

    def _on_failed(self, message: str) -> None:
        self.control = None
        self.eta_label.setText("")
        if not self.cells:  # refused before it started: no "0%" left under the message
            self.progress.reset()
        self.message.show_message(message, "error")
        self._update_buttons()
        self.ended.emit()

    def _unfinished(self) -> bool:
        return self.progress.value() < self.progress.maximum()

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(not self.running)
        self.resume_button.setEnabled(not self.running and self.studies.count() > 0)
        self.stop_button.setEnabled(self.running and not self.control.stopped)
        self.export_button.setEnabled(bool(self.cells) and not self.running)

    def refresh_studies(self) -> None:
        current = self.studies.currentText()
        self.studies.clear()
        self.studies.addItems(list_studies())
        self.studies.setCurrentText(current or (self.spec.name if self.spec else ""))

    # --- the live grid -----------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        if isinstance(event, StudyStartEvent):
            self._lay_out(event)
        elif isinstance(event, RunFinishedEvent):
            self.progress.setValue(event.finished)
            self.eta_label.setText(tr("{finished} of {total} runs").format(finished=event.finished, total=event.total)
                                   + (tr(", about {time} left").format(time=format_duration(event.eta))
                                      if event.eta else ""))
            if not event.ok:
                self.message.show_message(tr("a run of the study failed: {message}").format(message=event.message),
                                          "error")
            self.runs_changed.emit()
        elif isinstance(event, CellEvent):
            self._fill(event.index, event.cell)
        elif isinstance(event, StudyDoneEvent):
            self.done = event
            for index, cell in enumerate(event.cells):
                self._fill(index, cell)
        else:
            self.runs_changed.emit()

    def _lay_out(self, event: StudyStartEvent) -> None:
        """Rows: the first axis's values; columns: the second's (one column for a single axis)."""
        axes = event.axes
        self.layout_axes = axes
        rows = axes[0][1]
        cols = axes[1][1] if len(axes) > 1 else [tr("gain (bits saved)")]
        self.grid.clear()
        self.grid.setRowCount(len(rows))
        self.grid.setColumnCount(len(cols))
        self.grid.setVerticalHeaderLabels([f"{axes[0][0]}={v}" for v in rows])
        self.grid.setHorizontalHeaderLabels([f"{axes[1][0]}={v}" for v in cols] if len(axes) > 1 else cols)
        for index in range(len(grid(axes))):
            item = QTableWidgetItem(tr("waiting"))
            item.setBackground(QColor(gain_color(None)))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.setItem(*self._position(index), item)
        self.progress.setMaximum(event.runs)
        self.progress.setValue(event.runs - event.pending)
        self.eta_label.setText(tr("{finished} of {total} runs").format(finished=event.runs - event.pending,
                                                                        total=event.runs))

    def _position(self, index: int) -> tuple[int, int]:
        columns = len(self.layout_axes[1][1]) if len(self.layout_axes) > 1 else 1
        return divmod(index, columns)

    def _fill(self, index: int, cell: dict[str, Any]) -> None:
        self.cells[index] = cell
        item = self.grid.item(*self._position(index))
        if item is None or cell["gain_bits_mean"] is None:
            return
        item.setText(tr("{gain} bits\n{bpb:.3f} vs {baseline:.3f} bpb ({repeats}×)").format(
            gain=format_mean_sd(cell['gain_bits_mean'], cell['gain_bits_sd'], 3, signed=True), bpb=cell['bpb_mean'],
            baseline=cell['baseline_bpb_mean'], repeats=cell['repeats']))
        item.setBackground(QColor(gain_color(cell["gain_bits_mean"])))
        item.setToolTip(tr("bits per byte ({split}): {bpb}, baseline {baseline:.4f}; click to select its runs in the "
                           "Runs panel").format(split=cell['split'],
                                                bpb=format_mean_sd(cell['bpb_mean'], cell['bpb_sd'], 4),
                                                baseline=cell['baseline_bpb_mean']))
        self.grid.resizeColumnsToContents()
        self.grid.resizeRowsToContents()
        self._update_buttons()

    def _on_cell_clicked(self, row: int, column: int) -> None:
        columns = self.grid.columnCount()
        cell = self.cells.get(row * columns + column)
        if cell and cell["run_ids"]:
            self.runs_requested.emit(cell["run_ids"] + cell["baseline_run_ids"])

    # --- exports -----------------------------------------------------------------------------
    def ask_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Export the study to a folder"), last_folder("study-export"))
        if folder:
            remember_folder("study-export", folder)
            self.export(Path(folder))

    def export(self, folder: Path) -> list[Path]:
        """results.csv, report.md and the plots (PNG and SVG) into `folder`."""
        cells = [self.cells[i] for i in sorted(self.cells)]
        try:
            plots = write_study_plots(cells, folder)
            (folder / "results.csv").write_text(study_csv(cells), encoding="utf-8")
            pictures = [p.name for p in plots if p.suffix == ".png"]
            (folder / "report.md").write_text(study_markdown(self.spec.name, self.spec.to_dict(), cells, pictures),
                                              encoding="utf-8")
        except OSError as exc:
            self.message.show_message(tr("cannot write to {folder}: {error}; choose another folder").format(
                folder=folder, error=exc.strerror or exc), "error")
            return []
        self.message.show_message(tr("exported to {folder}: results.csv, report.md and {count} plot files").format(
            folder=folder, count=len(plots)), "info")
        return [folder / "results.csv", folder / "report.md", *plots]
