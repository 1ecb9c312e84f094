"""The Runs panel's Lineage view: where the selected run came from, as a small tree, oldest first.

It only shows a `core.lineage.Lineage` (the panel computes it on a worker): each node under the
parent it most recently came from, a node with several parents naming them, an ancestor that has
gone greyed. A click on an ancestor run asks the panel to select it in the table.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ..core.lineage import BUNDLED, MODEL, RUN, Lineage, LineageNode
from .i18n import N_, translator
from .widgets import ElidedLabel

tr = translator("LineageView")
COLUMNS = (N_("Ancestor"), N_("Kind"), N_("Transfer"), N_("Valid bits/byte"), N_("Trained on"))
ANCESTOR, KIND, TRANSFER, BPB, TRAINED_ON = range(len(COLUMNS))
KINDS = {RUN: N_("run"), MODEL: N_("model folder"), BUNDLED: N_("bundled model")}
RUN_ID_ROLE = Qt.ItemDataRole.UserRole  # on the items of runs the store has: their id
MISSING_HELP = N_("Named as a source, but not found: the run was deleted, or the folder was moved or renamed.")


class LineageView(QWidget):
    """A caption and the tree; `run_clicked` carries the id of an ancestor run the user clicked."""

    run_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lineage: Lineage | None = None
        self.caption = ElidedLabel()  # one line: the Runs dock is short on a small screen
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr(column) for column in COLUMNS])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.tree, 1)
        self.show_prompt()

    def show_prompt(self) -> None:
        self._show_text(tr("Select one run to see where it came from."))

    def show_reading(self, name: str) -> None:
        self._show_text(tr("Reading where {name} came from…").format(name=name))

    def show_problem(self, message: str) -> None:
        self._show_text(message)

    def show_lineage(self, found: Lineage, current: str) -> None:
        """The tree of `found`, the item of run `current` selected."""
        self.lineage = found
        self.tree.clear()
        names = {node.key: node.name for node in found.nodes}
        items: dict[str, QTreeWidgetItem] = {}
        for node in found.nodes:
            parent = max((key for key in node.parents if key in items),
                         key=lambda key: found.node(key).generation, default=None)
            item = QTreeWidgetItem(self.tree if parent is None else items[parent], _texts(node, names))
            _decorate(item, node, self.palette())
            items[node.key] = item
        self.tree.expandAll()
        self.caption.setText(tr("Where {name} came from, oldest first; click an ancestor run to select it.").format(
            name=found.subject.name))
        self.highlight(current)

    def has_run(self, run_id: str) -> bool:
        return self.lineage is not None and any(node.key == f"run:{run_id}" for node in self.lineage.nodes)

    def highlight(self, run_id: str) -> None:
        for item in self._items():
            if item.data(ANCESTOR, RUN_ID_ROLE) == run_id:
                self.tree.setCurrentItem(item)

    def _items(self) -> list[QTreeWidgetItem]:
        found, pending = [], [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while pending:
            item = pending.pop()
            found.append(item)
            pending += [item.child(i) for i in range(item.childCount())]
        return found

    def _show_text(self, text: str) -> None:
        self.lineage = None
        self.tree.clear()
        self.caption.setText(text)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        run_id = item.data(ANCESTOR, RUN_ID_ROLE)
        if run_id:
            self.run_clicked.emit(run_id)


def _texts(node: LineageNode, names: dict[str, str]) -> list[str]:
    if node.missing:
        return [node.name, tr(KINDS[node.kind]), tr("missing"), "–", ""]
    transfer = node.transfer or "–"
    if node.multi_source and len(node.parents) > 1:
        transfer += " (" + tr("{method} of {sources}").format(
            method=node.multi_source, sources=" + ".join(names[key] for key in node.parents)) + ")"
    if node.chain_stage is not None:
        transfer += " · " + tr("chain stage {stage} of {stages}").format(stage=node.chain_stage,
                                                                           stages=node.chain_stages)
    bpb = f"{node.valid_bpb:.3f}" if node.valid_bpb is not None else "–"
    return [node.name, tr(KINDS[node.kind]), transfer, bpb, ", ".join(node.train)]


def _decorate(item: QTreeWidgetItem, node: LineageNode, palette: QPalette) -> None:
    """Tooltips, the id of a run to jump to, and missing ancestors greyed and in italics."""
    where = node.id if node.kind == RUN or node.run_id is None else tr("{folder}\ntrained in run {run}").format(
        folder=node.id, run=node.run_id)
    item.setToolTip(ANCESTOR, tr(MISSING_HELP) if node.missing else where)
    item.setTextAlignment(BPB, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if node.train:
        item.setToolTip(TRAINED_ON, "\n".join(node.train))
    if node.kind == RUN and not node.missing:
        item.setData(ANCESTOR, RUN_ID_ROLE, node.id)
        item.setToolTip(ANCESTOR, tr("{id}\nClick to select this run in the table.").format(id=node.id))
    if node.missing:
        font = QFont(item.font(ANCESTOR))
        font.setItalic(True)
        grey = QBrush(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for column in range(len(COLUMNS)):
            item.setFont(column, font)
            item.setForeground(column, grey)
