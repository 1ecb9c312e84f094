"""The Runs dock: every run in the store, with transfer gain, and the selection to compare.

The table is read in the background (the store plus each run's metrics for the gain),
and rebuilt whole: run lists are short, and a full rebuild cannot drift from the store.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, QPoint, QSortFilterProxyModel, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QMessageBox,
                               QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from ..core.compare import WIDE_PPL_NOTE, CompareRow, compare_runs, lead_metric
from ..core.errors import StudioError
from ..core.formatting import format_bytes, format_duration, format_ratio
from ..core.lineage import Lineage, lineage
from ..core.metrics import format_task_metric
from ..core.runs import PROGRESS_EVERY_S, RunRecord, RunStore
from .i18n import N_, translator
from .lineage_view import LineageView
from .widgets import MessageBar
from .workers import LatestOnly

tr = translator("RunsPanel")
COLUMNS = (N_("Name"), N_("Source"), N_("Transfer"), N_("Data"), N_("Best valid word ppl"), N_("Transfer gain"),
           N_("Duration"), N_("Status"), N_("Created"))
NAME, SOURCE, TRANSFER, DATA, BEST, GAIN, DURATION, STATUS, CREATED = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RESUMABLE = ("stopped", "paused", "failed", "interrupted")
GAIN_HELP = (N_("Transfer gain in bits saved = 1 − (transfer run's valid bits per byte ÷ its scratch baseline's) at "
             "the same number of tokens seen: the share of the text's code length that starting from the source "
             "saves. Beside it (×) the word-perplexity ratio, transfer ÷ baseline: below 1 helped. Positive gain: "
             "starting from the source helped. Negative (red): negative transfer — the source made things worse "
             "than training from scratch."))
BEST_HEADERS = {"word_ppl": N_("Best valid word ppl"), "bpb": N_("Best valid bits/byte")}
BEST_HELP = {"word_ppl": N_("The lowest validation word perplexity of the run (the network alone)."),
             "bpb": N_("The lowest validation bits per byte of the run (the network alone). {note}.")}
STATUSES = {"running": N_("running"), "done": N_("done"), "stopped": N_("stopped"), "paused": N_("paused"),
            "failed": N_("failed"), "interrupted": N_("interrupted")}
TASK_HELP = N_("A task run (classifier or tagger) has no perplexity: its best validation accuracy, and the "
               "macro-F1 of its final evaluation (test where it has a test set). Higher is better.")
NEGATIVE = QColor("#c62828")


@dataclass
class RunsSnapshot:
    records: list[RunRecord]
    rows: dict[str, CompareRow]
    lead: str  # "word_ppl", or "bpb" where word perplexities run past 10^4


def read_runs() -> RunsSnapshot:
    """All runs, newest first, with best perplexity and gain from the compare module."""
    store = RunStore()
    records = store.list()
    rows, _curves, _notes = compare_runs(store, [record.id for record in records]) if records else ([], [], [])
    return RunsSnapshot(records, {row.run_id: row for row in rows}, lead_metric(rows))




def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if abs(value) < 1e5 else f"{value:.3g}"


def _task_text(row: CompareRow) -> str:
    """A classifier's or tagger's best: validation accuracy, and the final macro-F1 where there is one."""
    f1 = row.final_test_macro_f1 if row.final_test_macro_f1 is not None else row.final_valid_macro_f1
    text = tr("acc {accuracy}").format(accuracy=format_task_metric('accuracy', row.best_valid_accuracy))
    return text if f1 is None else f"{text} · F1 {format_task_metric('macro_f1', f1)}"


def _cell(text: str, sort_value: object = None, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(text if sort_value is None else sort_value, SORT_ROLE)
    if tooltip:
        item.setToolTip(tooltip)
    if isinstance(sort_value, (int, float)):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _lineage_facts(record: RunRecord) -> tuple[object, ...]:
    """What a lineage node shows of a run (`core.lineage`): its name, and its best or final figures."""
    return record.name, record.status, record.best, record.final.get("valid")


def _row_items(record: RunRecord, row: CompareRow | None, lead: str) -> list[QStandardItem]:
    name = _cell(record.name, record.name.lower(), f"{record.id}\n{record.run_dir}")
    name.setEditable(True)
    name.setData(record.id, Qt.ItemDataRole.UserRole)
    best = (row.best_valid_bpb if lead == "bpb" else row.best_valid_word_ppl) if row is not None else None
    accuracy = row.best_valid_accuracy if row is not None else None
    best_item = (_cell(_number(best), best if best is not None else math.inf) if accuracy is None else
                 _cell(_task_text(row), -accuracy, tr(TASK_HELP)))
    gain = row.gain if row is not None else None
    if gain is not None:
        ratio = f"×{format_ratio(gain.word_ppl_ratio)}" if math.isfinite(gain.word_ppl_ratio) else tr("accuracy")
        gain_item = _cell(f"{gain.gain:+.1%} · {ratio}", gain.gain, f"{gain.message}\n\n{tr(GAIN_HELP)}")
        if gain.negative:
            gain_item.setForeground(NEGATIVE)
    elif record.transfer == "scratch":
        gain_item = _cell("–", -math.inf, tr("A scratch run is itself a baseline."))
    elif row is not None and row.gain_note:
        gain_item = _cell("–", -math.inf, tr("No transfer gain: {note}.").format(note=row.gain_note) + "\n\n" + tr(GAIN_HELP))
    elif record.config.get("baseline"):
        gain_item = _cell("–", -math.inf, tr("A scratch baseline was asked for but has not finished: it trains after "
                                          "this run, and the gain appears here when it is done (a job stopped "
                                          "before then has none).") + "\n\n" + tr(GAIN_HELP))
    else:
        gain_item = _cell("–", -math.inf, tr("No scratch baseline: tick “Also train a scratch baseline” in the Model "
                                          "& Transfer panel to measure the gain.\n\n") + tr(GAIN_HELP))
    source = record.source or "–"
    return [
        name,
        _cell(source.rstrip("/").rsplit("/", 1)[-1], source, source),
        _cell(record.transfer),
        _cell(format_bytes(record.data_bytes), record.data_bytes),
        best_item,
        gain_item,
        _cell(format_duration(record.elapsed), record.elapsed),
        _cell(tr(STATUSES.get(record.status, record.status)), record.status),
        _cell(time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created)), record.created),
    ]


class RunsPanel(QWidget):
    """Sortable, filterable run table; selection drives the comparison plots."""

    selection_changed = Signal(list)  # the selected RunRecords
    resume_requested = Signal(str)  # a run id
    settings_requested = Signal(str)  # a run id: "New run from these settings"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records: dict[str, RunRecord] = {}
        self.busy_run: str | None = None  # the run training now: not deletable or resumable
        self._loader = LatestOnly(self)
        self._loader.done.connect(self._on_loaded)
        self._loader.failed.connect(self._show_error)
        self._lineage_loader = LatestOnly(self)
        self._lineage_loader.done.connect(self._on_lineage)
        self._lineage_loader.failed.connect(self._on_lineage_failed)
        self._progress_timer = QTimer(self)  # a run training here: its duration and step, as the store hears them
        self._progress_timer.timeout.connect(self.refresh)
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.message = MessageBar()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("Filter runs by any column…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, len(COLUMNS))
        self.model.setHorizontalHeaderLabels([tr(column) for column in COLUMNS])
        self.model.horizontalHeaderItem(GAIN).setToolTip(tr(GAIN_HELP))
        self.model.itemChanged.connect(self._on_item_changed)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CREATED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        QShortcut(QKeySequence.StandardKey.Delete, self.table, activated=self.delete_selected)
        self.empty_label = QLabel(tr("No runs yet: press <b>Start</b> to train one. Select several runs to compare "
                                  "their curves in the Training plots."))
        self.empty_label.setWordWrap(True)

        self.rename_button = QPushButton(tr("Rename"))
        self.delete_button = QPushButton(tr("Delete…"))
        self.open_button = QPushButton(tr("Open folder"))
        self.resume_button = QPushButton(tr("Resume"))
        self.new_from_button = QPushButton(tr("New run from these settings"))
        refresh = QPushButton(tr("Refresh"))
        self.rename_button.setToolTip(tr("Edit the selected run's name (F2 or double-click also work)"))
        self.resume_button.setToolTip(tr("Continue a stopped run from its last checkpoint"))
        self.rename_button.clicked.connect(self._start_rename)
        self.delete_button.clicked.connect(self.delete_selected)
        self.open_button.clicked.connect(self.open_selected)
        self.resume_button.clicked.connect(self._resume_selected)
        self.new_from_button.setToolTip(tr("Load the selected run's settings into the Corpus, Model & Transfer and "
                                           "Training panels, to change what you like and start a new run"))
        self.new_from_button.clicked.connect(self._new_from_selected)
        self.lineage_button = QPushButton(tr("Lineage"))
        self.lineage_button.setCheckable(True)
        self.lineage_button.setToolTip(tr("Show where the selected run came from: the runs and models it was "
                                          "trained from, and theirs, oldest first"))
        self.lineage_button.toggled.connect(self._toggle_lineage)
        self.lineage_view = LineageView()
        self.lineage_view.run_clicked.connect(self.jump_to_run)
        self.lineage_view.hide()
        refresh.clicked.connect(self.refresh)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_context_menu)
        buttons = QHBoxLayout()
        buttons.addWidget(self.filter_edit, 1)
        for button in (self.rename_button, self.delete_button, self.open_button, self.resume_button,
                       self.new_from_button, self.lineage_button, refresh):
            buttons.addWidget(button)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.lineage_view)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.splitter, 1)
        self._update_buttons()

    # --- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self._loader.request(read_runs)

    def _on_loaded(self, snapshot: RunsSnapshot) -> None:
        """Rebuild the table, keeping the selection (by run id)."""
        selected = [record.id for record in self.selected()]
        known = self.records
        self.records = {record.id: record for record in snapshot.records}
        self.model.blockSignals(True)
        self.model.removeRows(0, self.model.rowCount())
        for record in snapshot.records:
            self.model.appendRow(_row_items(record, snapshot.rows.get(record.id), snapshot.lead))
        best_header = self.model.horizontalHeaderItem(BEST)
        best_header.setText(tr(BEST_HEADERS[snapshot.lead]))
        best_header.setToolTip(tr(BEST_HELP[snapshot.lead]).format(note=WIDE_PPL_NOTE[0].upper() + WIDE_PPL_NOTE[1:]))
        self.model.blockSignals(False)
        self.proxy.invalidate()
        self.table.selectionModel().blockSignals(True)
        self.select_runs(selected)
        self.table.selectionModel().blockSignals(False)
        self.empty_label.setVisible(not snapshot.records)
        self._update_buttons()
        self._update_lineage(reread=self._lineage_changed(known))

    def _lineage_changed(self, known: dict[str, RunRecord]) -> bool:
        """Whether the lineage shown may be stale: a run was added or deleted, or one in the tree was
        renamed or evaluated (it finished, say). Progress alone (step, time) changes nothing shown."""
        if set(self.records) != set(known):
            return True
        return any(self.lineage_view.has_run(run_id) and _lineage_facts(record) != _lineage_facts(known[run_id])
                   for run_id, record in self.records.items())

    # --- selection -------------------------------------------------------------------------
    def selected(self) -> list[RunRecord]:
        rows = self.table.selectionModel().selectedRows(NAME)
        ids = [self.proxy.mapToSource(index).data(Qt.ItemDataRole.UserRole) for index in rows]
        return [self.records[run_id] for run_id in ids if run_id in self.records]

    def select_runs(self, run_ids: list[str]) -> None:
        """Select exactly these runs (what a user's ctrl-clicks do), in one change of the selection."""
        chosen = QItemSelection()
        for row in range(self.model.rowCount()):
            if self.model.item(row, NAME).data(Qt.ItemDataRole.UserRole) in run_ids:
                index = self.proxy.mapFromSource(self.model.index(row, NAME))
                chosen.select(index, index)
        selection = self.table.selectionModel()
        selection.select(chosen, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows)

    def _on_selection(self) -> None:
        self._update_buttons()
        self._update_lineage()
        self.selection_changed.emit(self.selected())

    def _update_buttons(self) -> None:
        selected = self.selected()
        one = len(selected) == 1
        self.rename_button.setEnabled(one)
        self.open_button.setEnabled(one)
        self.delete_button.setEnabled(bool(selected) and all(r.id != self.busy_run for r in selected))
        self.resume_button.setEnabled(one and selected[0].status in RESUMABLE and self.busy_run is None)
        self.new_from_button.setEnabled(one)

    def set_busy_run(self, run_id: str | None) -> None:
        self.busy_run = run_id
        if run_id is None:
            self._progress_timer.stop()
        else:
            self._progress_timer.start(round(PROGRESS_EVERY_S * 1000))
        self._update_buttons()

    # --- actions ---------------------------------------------------------------------------
    def _start_rename(self) -> None:
        rows = self.table.selectionModel().selectedRows(NAME)
        if rows:
            self.table.edit(rows[0])

    def _on_item_changed(self, item: QStandardItem) -> None:
        if item.column() != NAME:
            return
        run_id = item.data(Qt.ItemDataRole.UserRole)
        try:
            RunStore().rename(run_id, item.text())
        except StudioError as exc:
            self.message.show_message(str(exc), "error")
        self.refresh()

    def rename(self, run_id: str, name: str) -> None:
        for row in range(self.model.rowCount()):
            item = self.model.item(row, NAME)
            if item.data(Qt.ItemDataRole.UserRole) == run_id:
                item.setText(name)

    def delete_selected(self) -> None:
        records = self.selected()
        if not records or any(record.id == self.busy_run for record in records):
            return
        names = "\n".join(f"• {record.name}" for record in records[:10])
        answer = QMessageBox.question(self, tr("Delete runs"),
                                      tr("Delete {count} run(s) and their folders (checkpoints, metrics)?\n\n"
                                      "{names}\n\nThis cannot be undone.").format(count=len(records), names=names))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            store = RunStore()
            for record in records:
                store.delete(record.id)
        except (StudioError, OSError) as exc:
            self.message.show_message(tr("Could not delete every run: {error}").format(error=exc), "error")
        self.refresh()

    def open_selected(self) -> None:
        records = self.selected()
        if records and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(records[0].run_dir))):
            self.message.show_message(tr("No file manager could open {folder}; open it by hand.").format(
                folder=records[0].run_dir), "info")

    def _resume_selected(self) -> None:
        records = self.selected()
        if len(records) == 1 and records[0].status in RESUMABLE:
            self.resume_requested.emit(records[0].id)

    # --- lineage ---------------------------------------------------------------------------
    def _toggle_lineage(self, shown: bool) -> None:
        self.lineage_view.setVisible(shown)
        self._update_lineage(reread=True)

    def _update_lineage(self, reread: bool = False) -> None:
        """Read the selected run's lineage on a worker; a run already in the tree shown is only
        highlighted there (unless `reread`), so jumping to an ancestor keeps the whole tree in view."""
        if not self.lineage_button.isChecked():
            return
        selected = self.selected()
        if len(selected) != 1:
            self.lineage_view.show_prompt()
        elif not reread and self.lineage_view.has_run(selected[0].id):
            self.lineage_view.highlight(selected[0].id)
        else:
            if not self.lineage_view.has_run(selected[0].id):  # else the tree stays until the new one comes
                self.lineage_view.show_reading(selected[0].name)
            self._lineage_loader.request(lineage, selected[0].id)

    def _on_lineage(self, found: Lineage) -> None:
        selected = self.selected()
        if self.lineage_button.isChecked() and len(selected) == 1 and found.subject.key == f"run:{selected[0].id}":
            self.lineage_view.show_lineage(found, selected[0].id)

    def _on_lineage_failed(self, message: str) -> None:
        self.lineage_view.show_problem(message)

    def jump_to_run(self, run_id: str) -> None:
        """Select a run in the table (an ancestor clicked in the lineage), clearing a filter that hides it."""
        if run_id not in self.records:
            self.message.show_message(tr("That run is no longer in the store; press Refresh."), "info")
            return
        row = next(row for row in range(self.model.rowCount())
                   if self.model.item(row, NAME).data(Qt.ItemDataRole.UserRole) == run_id)
        if not self.proxy.mapFromSource(self.model.index(row, NAME)).isValid():
            self.filter_edit.clear()
        self.select_runs([run_id])
        self.table.scrollTo(self.proxy.mapFromSource(self.model.index(row, NAME)))

    def _new_from_selected(self) -> None:
        records = self.selected()
        if len(records) == 1:
            self.settings_requested.emit(records[0].id)

    def context_menu(self) -> QMenu:
        """The table's right-click menu: the buttons' actions on the selected run(s)."""
        menu = QMenu(self)
        for button in (self.new_from_button, self.resume_button, self.open_button, self.rename_button,
                       self.delete_button, self.lineage_button):
            action = menu.addAction(button.text(), button.click)
            action.setEnabled(button.isEnabled())
            action.setCheckable(button.isCheckable())
            action.setChecked(button.isChecked())
        return menu

    def _show_context_menu(self, position: QPoint) -> None:
        self.context_menu().exec(self.table.viewport().mapToGlobal(position))

    def _show_error(self, message: str) -> None:
        self.message.show_message(message, "error")

    # --- persistence -----------------------------------------------------------------------
    def state(self) -> dict:
        header = self.table.horizontalHeader()
        return {"sort_column": header.sortIndicatorSection(),
                "sort_order": header.sortIndicatorOrder().value, "filter": self.filter_edit.text()}

    def set_state(self, state: dict) -> None:
        column = int(state.get("sort_column", CREATED))
        order = Qt.SortOrder(int(state.get("sort_order", Qt.SortOrder.DescendingOrder.value)))
        self.table.sortByColumn(column, order)
        self.filter_edit.setText(str(state.get("filter", "")))
