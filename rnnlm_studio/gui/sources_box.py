"""The Model panel's choices for several sources at once and for the learned mapping T.

Two small widgets the Model & Transfer panel (model_panel.py) places under the transfer type:
`MoreSourcesBox` (further sources to combine with the chosen one, and how: average, mixture or
chain) and `MappingBox` (`none`, `embedding` or `lowrank`, with its rank). Both write the same
config fields the command line's options fill (core/train_options.py), so a run started here is one
a user could type; they offer only the combinations the trainer accepts.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QSpinBox, QTableWidget, QTableWidgetItem, QToolButton,
                               QVBoxLayout, QWidget)

from ..core.config import MAPPINGS, MULTI_SOURCES, TrainConfig
from .i18n import N_, translator

tr = translator("SourcesBox")

METHOD_HELP = {
    "average": N_("Average the sources' weights (they must share one architecture and tokenizer), then transfer "
               "from that average."),
    "mixture": N_("Keep every source's encoder frozen and learn, at each position, how much of each to use; "
               "trains with the transfer type feature."),
    "chain": N_("Fine-tune the first source on each further source's training text in turn, then on yours; "
             "each stage is a run of its own in the Runs panel."),
}
MAPPING_HELP = {
    "none": N_("Fine-tune the weights themselves."),
    "embedding": N_("Keep the source frozen; learn a correction T of the embedding matrix (E + E·T), starting at "
                 "zero."),
    "lowrank": N_("Keep the source frozen; learn low-rank corrections (W + B·A) of the recurrent and output "
               "matrices, starting at zero: few parameters train."),
}


class _Row(NamedTuple):
    label: str
    ref: str
    ticked: bool
    weight: float


class MoreSourcesBox(QGroupBox):
    """Further sources (a checkable table of the models the source chooser offers, each with a weight
    for averaging) and the method. It offers only what the transfer type allows, so what it writes
    always passes the trainer's checks. Ticked sources are used in the table's order, top to bottom (a
    chain trains through them in turn), which the arrows change; a refreshed list keeps them on top, in
    that order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Combine with more sources"), parent)
        self._allowed = False
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels((tr("Source"), tr("Weight")))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(130)
        self.table.setToolTip(tr("Tick further sources to combine with the source chosen above"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.up_button = _arrow(Qt.ArrowType.UpArrow, tr("Move the selected source up: a chain fine-tunes on the "
                                                         "ticked sources from top to bottom"), lambda: self.move(-1))
        self.down_button = _arrow(Qt.ArrowType.DownArrow, tr("Move the selected source down"), lambda: self.move(1))
        order = QVBoxLayout()
        order.addWidget(self.up_button)
        order.addWidget(self.down_button)
        order.addStretch(1)
        rows = QHBoxLayout()
        rows.addWidget(self.table, 1)
        rows.addLayout(order)
        self.method_box = QComboBox()
        self.method_box.addItems(MULTI_SOURCES)
        self.method_box.currentIndexChanged.connect(self._on_method)
        self.primary_weight = _weight_spin(tr("Weight of the source chosen above when averaging"))
        self.help = QLabel()
        self.help.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Method"), self.method_box)
        form.addRow(tr("Weight of the chosen source"), self.primary_weight)
        layout = QVBoxLayout(self)
        layout.addLayout(rows)
        layout.addLayout(form)
        layout.addWidget(self.help)
        self._on_method()

    def set_choices(self, choices: list[tuple[str, str]], primary: str | None) -> None:
        """The models on offer (label, reference), less the chosen source; ticked ones keep their order and weights."""
        offered = {ref: label for label, ref in choices if ref != primary}
        kept = [row._replace(label=offered[row.ref]) for row in self._rows() if row.ticked and row.ref in offered]
        ticked = {row.ref for row in kept}
        self._fill(kept + [_Row(label, ref, False, 1.0) for ref, label in offered.items() if ref not in ticked])

    def _rows(self) -> list[_Row]:
        return [_Row(self.table.item(row, 0).text(), self.table.item(row, 0).data(Qt.ItemDataRole.UserRole),
                     self.table.item(row, 0).checkState() == Qt.CheckState.Checked,
                     self.table.cellWidget(row, 1).value()) for row in range(self.table.rowCount())]

    def _fill(self, rows: list[_Row]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for index, row in enumerate(rows):
            self.table.insertRow(index)
            item = QTableWidgetItem(row.label)
            item.setData(Qt.ItemDataRole.UserRole, row.ref)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if row.ticked else Qt.CheckState.Unchecked)
            self.table.setItem(index, 0, item)
            spin = _weight_spin(tr("This source's weight when averaging"))
            spin.setValue(row.weight)
            spin.valueChanged.connect(self.changed)
            self.table.setCellWidget(index, 1, spin)
        self.table.blockSignals(False)
        self.changed.emit()

    def move(self, step: int) -> None:
        """The selected source one place up (-1) or down (+1); it stays selected."""
        row, rows = self.table.currentRow(), self._rows()
        if not 0 <= row < len(rows) or not 0 <= row + step < len(rows):
            return
        rows[row], rows[row + step] = rows[row + step], rows[row]
        self._fill(rows)
        self.table.selectRow(row + step)

    def chosen(self) -> list[str]:
        return [row.ref for row in self._rows() if row.ticked]

    def set_chosen(self, refs: list[str], method: str | None, weights: list[float]) -> None:
        """Tick `refs` in their order, at the top (with their weights: the chosen source's first), and pick the method."""
        weight_of = dict(zip(refs, weights[1:]))
        rows = {row.ref: row for row in self._rows()}
        ticked = [rows[ref]._replace(ticked=True, weight=weight_of.get(ref, 1.0)) for ref in refs if ref in rows]
        self._fill(ticked + [row._replace(ticked=False, weight=1.0) for ref, row in rows.items() if ref not in refs])
        self.primary_weight.setValue(weights[0] if weights else 1.0)
        if method:
            self.method_box.setCurrentText(method)

    def follow_transfer(self, transfer: str, has_source: bool) -> None:
        """Sources combine only where weights move; a mixture is feature transfer."""
        self._allowed = has_source and transfer in ("parameter", "feature", "partial", "ulmfit")
        self.setEnabled(self._allowed)
        self.method_box.model().item(MULTI_SOURCES.index("mixture")).setEnabled(transfer == "feature")
        if self.method_box.currentText() == "mixture" and transfer != "feature":
            self.method_box.setCurrentText("average")

    def _on_method(self) -> None:
        method = self.method_box.currentText()
        self.help.setText(tr(METHOD_HELP[method]))
        averaging = method == "average"
        self.primary_weight.setEnabled(averaging)
        self.table.setColumnHidden(1, not averaging)
        self.changed.emit()

    def apply_to(self, config: TrainConfig) -> None:
        """Several sources into the config, after the chosen one (config.source)."""
        extra = self.chosen() if config.source and self._allowed else []
        config.extra_sources = extra
        config.multi_source = self.method_box.currentText() if extra else None
        weights = [self.primary_weight.value(), *(row.weight for row in self._rows() if row.ticked)]
        equal = len(set(weights)) == 1
        config.source_weights = weights if extra and config.multi_source == "average" and not equal else []


def _arrow(arrow: Qt.ArrowType, tip: str, slot: Callable[[], None]) -> QToolButton:
    button = QToolButton()
    button.setArrowType(arrow)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def _weight_spin(tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.01, 100.0)
    spin.setDecimals(2)
    spin.setSingleStep(0.1)
    spin.setValue(1.0)
    spin.setToolTip(tip)
    return spin


class MappingBox(QWidget):
    """The mapping T and its rank (0 = the default: a full d×d T for embedding, rank 8 for lowrank)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_box = QComboBox()
        self.kind_box.addItems(MAPPINGS)
        self.kind_box.setToolTip(tr("Train a correction T over the frozen source instead of its weights"))
        self.rank_spin = QSpinBox()
        self.rank_spin.setRange(0, 4096)
        self.rank_spin.setSpecialValueText(tr("default"))
        self.rank_spin.setToolTip(tr("Rank of T; must stay below the mapped matrices' smaller side"))
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.kind_box.currentIndexChanged.connect(self._on_change)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Learned mapping"), self.kind_box)
        form.addRow(tr("Rank"), self.rank_spin)
        form.addRow(self.help)
        self._on_change()

    def _on_change(self) -> None:
        kind = self.kind_box.currentText()
        self.help.setText(tr(MAPPING_HELP[kind]))
        self.rank_spin.setEnabled(kind != "none")

    def follow_source(self, model: dict | None) -> None:
        """A rank must stay below the mapped matrices' smaller side: the source's embedding or hidden size."""
        if model is not None:
            self.rank_spin.setMaximum(max(1, min(int(model["emb_size"]), int(model["hidden_size"])) - 1))

    def apply_to(self, config: TrainConfig) -> None:
        """Only a fine-tuning run from one source takes a mapping; any other run gets none."""
        usable = config.transfer == "parameter" and not config.extra_sources
        config.mapping = self.kind_box.currentText() if usable else "none"
        config.rank = self.rank_spin.value() or None if config.mapping != "none" else None

    def set_from(self, config: TrainConfig) -> None:
        self.kind_box.setCurrentText(config.mapping)
        self.rank_spin.setValue(config.rank or 0)
