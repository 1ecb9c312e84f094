"""The Corpus dock: the training text, its split, the tokenizer, and a tokenized preview.

The preview trains (or loads) exactly the tokenizer the run will use, through the same
core functions as the trainer, so what the user sees is what the model gets, and the
trainer later finds the tokenizer in the cache instead of training it again.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QRadioButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from ..core import paths
from ..core.checkpoint import TOKENIZER, resolve_model
from ..core.config import AUTO_VOCAB, TOKENIZER_KINDS, TrainConfig
from ..core.corpus import Corpus, CorpusStats
from ..core.dataset import cached_tokenizer, open_sources
from ..core.errors import StudioError
from ..core.formatting import format_bytes
from ..core.tokenizer import WORD_START, Tokenizer
from .fonts import cjk_font_problem
from .i18n import N_, translator
from .widgets import MessageBar, last_folder, remember_folder
from .workers import LatestOnly, run_task

tr = translator("CorpusPanel")
ROLES = ("train", "valid", "test")
ROLE_LABELS = {"train": N_("training"), "valid": N_("validation"), "test": N_("test")}
COLUMNS = (N_("File"), N_("Use for"), N_("Size"), N_("Lines"), N_("Words"), N_("Encoding"))
PREVIEW_CHARS = 700
SAMPLE_CHARS = 50_000  # enough text to measure characters per token
PIECE_COLOURS = ("#dbeafe", "#fde68a")
DEBOUNCE_MS = 400


@dataclass
class Preview:
    """The tokenized sample and what it says about the whole training text."""

    lines: list[list[str]]
    kind: str
    vocab_size: int
    chars_per_token: float
    train_chars: int
    warnings: list[str]
    new_tokenizer: bool = True  # False: the source model's tokenizer

    @property
    def train_tokens(self) -> int:
        return round(self.train_chars / self.chars_per_token)


@dataclass
class PathStats:
    """One list entry's statistics, or why it cannot be used."""

    path: str
    stats: CorpusStats | None
    warnings: list[str]
    error: str = ""


def path_stats(path: str) -> PathStats:
    """Statistics of a file or a whole folder; a refusal is a result, so the row it belongs to is known."""
    try:
        corpus = Corpus.open([path])
        return PathStats(path, corpus.stats(), corpus.warnings)
    except StudioError as exc:
        return PathStats(path, None, [], str(exc))


def build_preview(config: TrainConfig, source: str | None) -> Preview:
    """Tokenize the head of the training text with the tokenizer the run would use."""
    train, _valid, _test, warnings = open_sources(config)
    if source is not None:
        tokenizer = Tokenizer.load(resolve_model(source) / TOKENIZER)
    else:
        tokenizer, tok_warnings = cached_tokenizer(train, config.tokenizer_kind, config.model.vocab_size)
        warnings = warnings + tok_warnings
    corpus = Corpus.open(config.train)
    lines = [[tokenizer.id_to_piece(i) for i in tokenizer.encode(line)]
             for line in corpus.preview(PREVIEW_CHARS).splitlines()]
    sample = corpus.preview(SAMPLE_CHARS)
    chars_per_token = len(sample) / max(1, len(tokenizer.encode_lines(sample)))
    return Preview(lines, tokenizer.kind, tokenizer.vocab_size, chars_per_token, train.stats().chars, warnings,
                   source is None)


def preview_html(lines: list[list[str]]) -> str:
    """Pieces on alternating backgrounds, so every boundary is visible; word starts show as spaces."""
    out = []
    for pieces in lines:
        spans = [f"<span style='background:{PIECE_COLOURS[i % 2]}'>"
                 f"{html.escape(piece.replace(WORD_START, ' '))}</span>" for i, piece in enumerate(pieces)]
        out.append("".join(spans))
    return "<div style='white-space:pre-wrap; font-family:monospace'>" + "<br>".join(out) + "</div>"



class _NumberItem(QTableWidgetItem):
    """Sorts by the number behind the text."""

    def __init__(self, text: str, value: float) -> None:
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.data(Qt.ItemDataRole.UserRole) < other.data(Qt.ItemDataRole.UserRole)


class CorpusPanel(QWidget):
    """Files and folders, their roles, split fractions, tokenizer settings and the live preview."""

    changed = Signal()  # the training text or the tokenizer settings changed
    estimated = Signal(int, int, bool)  # training tokens, vocabulary size and "a new tokenizer", for the model panel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source: str | None = None
        self._replaces_sample: set[str] = set()  # added paths that replace the sample once they prove readable
        self._list_notice = ""  # a note about the list as it was restored, stale once the user changes it
        self.preview: Preview | None = None
        self._previewer = LatestOnly(self)
        self._previewer.done.connect(self._on_preview)
        self._previewer.failed.connect(self._on_preview_failed)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(DEBOUNCE_MS)
        self._preview_timer.timeout.connect(self._request_preview)
        self.setAcceptDrops(True)
        self._build()
        self.changed.connect(self._preview_timer.start)

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.message = MessageBar()
        self.empty_label = QLabel(tr("No text yet: drop files or folders here, or click <b>Add files…</b>. "
                                  "<b>Use sample</b> loads the bundled tiny-shakespeare."))
        self.empty_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(column) for column in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(110)

        add_files = QPushButton(tr("Add files…"))
        add_folder = QPushButton(tr("Add folder…"))
        self.remove_button = QPushButton(tr("Remove"))
        sample = QPushButton(tr("Use sample"))
        add_files.setToolTip(tr("Plain text files (UTF-8 preferred; other encodings are detected)"))
        add_folder.setToolTip(tr("Every text file under a folder, read in sorted order"))
        sample.setToolTip(tr("The bundled tiny-shakespeare corpus (1 MB)"))
        add_files.clicked.connect(self.ask_files)
        add_folder.clicked.connect(self.ask_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        sample.clicked.connect(lambda: self.add_paths([paths.sample_corpus()]))
        buttons = QHBoxLayout()
        for button in (add_files, add_folder, self.remove_button, sample):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        layout.addWidget(self._build_split())
        layout.addWidget(self._build_tokenizer())
        self.preview_info = QLabel(tr("The preview appears once there is text."))
        self.preview_info.setWordWrap(True)
        self.preview_view = QTextBrowser()
        self.preview_view.setMinimumHeight(90)
        layout.addWidget(self.preview_info)
        layout.addWidget(self.preview_view, 3)
        self._refresh_empty()

    def _build_split(self) -> QGroupBox:
        box = QGroupBox(tr("Validation and test text"))
        self.valid_percent = QDoubleSpinBox()
        self.test_percent = QDoubleSpinBox()
        for spin, default in ((self.valid_percent, 5.0), (self.test_percent, 5.0)):
            spin.setRange(0.0, 40.0)
            spin.setDecimals(1)
            spin.setSingleStep(1.0)
            spin.setSuffix(" %")
            spin.setValue(default)
            spin.valueChanged.connect(self._on_split_changed)
        self.valid_percent.setMinimum(0.5)
        self.valid_percent.setToolTip(tr("Share of the training text held out to measure perplexity during training"))
        self.test_percent.setToolTip(tr("Share held out for the final test score (0 for none)"))
        self.split_label = QLabel()
        self.split_label.setWordWrap(True)
        form = QFormLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("valid")))
        row.addWidget(self.valid_percent)
        row.addWidget(QLabel(tr("test")))
        row.addWidget(self.test_percent)
        row.addStretch(1)
        form.addRow(tr("Split off"), row)
        form.addRow(self.split_label)
        self._on_split_changed()
        return box

    def _build_tokenizer(self) -> QGroupBox:
        box = QGroupBox(tr("Tokenizer"))
        self.reuse_radio = QRadioButton(tr("Reuse the source model's tokenizer"))
        self.new_radio = QRadioButton(tr("Train a new tokenizer on this text"))
        self.reuse_radio.setToolTip(tr("Keeps every embedding row of the source meaningful; best for transfer"))
        self.new_radio.setToolTip(tr("Fits the vocabulary to this text; embeddings of shared pieces are still copied"))
        group = QButtonGroup(self)
        group.addButton(self.reuse_radio)
        group.addButton(self.new_radio)
        self.new_radio.setChecked(True)
        self.kind_box = QComboBox()
        self.kind_box.addItems(TOKENIZER_KINDS)
        self.kind_box.setToolTip(tr("unigram and BPE learn subwords; char uses single characters (vocabulary ≥ 258)"))
        self.vocab_spin = QSpinBox()
        self.vocab_spin.setRange(AUTO_VOCAB, 64_000)
        self.vocab_spin.setSingleStep(500)
        self.vocab_spin.setSpecialValueText(tr("auto"))
        self.vocab_spin.setValue(AUTO_VOCAB)
        self.vocab_spin.setToolTip(tr("Number of pieces. auto: 258 + √(training bytes), at most 4,000 — small texts "
                                   "get small vocabularies. A chosen size is lowered when the text is too small"))
        form = QFormLayout(box)
        form.addRow(self.reuse_radio)
        form.addRow(self.new_radio)
        row = QHBoxLayout()
        row.addWidget(self.kind_box)
        row.addWidget(QLabel(tr("vocabulary")))
        row.addWidget(self.vocab_spin)
        row.addStretch(1)
        form.addRow(tr("New:"), row)
        for signal in (self.reuse_radio.toggled, self.kind_box.currentIndexChanged, self.vocab_spin.valueChanged):
            signal.connect(self._on_tokenizer_changed)
        self._on_tokenizer_changed()
        return box

    # --- files -----------------------------------------------------------------------------
    def add_paths(self, new_paths: list[str | Path], role: str = "train", replace_sample: bool = True) -> None:
        """Add files or folders (what the dialogs and drag and drop call); statistics load in the background.
        Your own text, once it proves readable, replaces the bundled sample (the first start's choice), with a
        note saying so."""
        known = {self._path(row) for row in range(self.table.rowCount())}
        sample = str(paths.sample_corpus().resolve())
        added = False
        for raw in new_paths:
            path = str(paths.user_path(raw).resolve())
            if path in known:
                continue
            known.add(path)
            if replace_sample and path != sample:
                self._replaces_sample.add(path)
            self._insert_row(path, role)
            run_task(path_stats, path, on_done=self._on_stats, on_failed=self._show_error)
            added = True
        if added:
            if replace_sample and self._list_notice and self.message.text() == self._list_notice:
                self.message.clear()
            remember_folder("corpus", Path(new_paths[-1]))
            self._refresh_empty()
            self._on_split_changed()

    def _drop_sample(self) -> None:
        row = self._row_of(str(paths.sample_corpus().resolve()))
        if row < 0:
            return
        self.table.removeRow(row)
        self._on_split_changed()
        self.message.show_message(tr("Your text replaces the bundled sample (tiny-shakespeare) in the list; "
                                     "Use sample adds it back."), "info")

    def _insert_row(self, path: str, role: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(Path(path).name + ("/" if Path(path).is_dir() else ""))
        name.setData(Qt.ItemDataRole.UserRole, path)
        name.setToolTip(path)
        self.table.setItem(row, 0, name)
        combo = QComboBox()
        for key in ROLES:
            combo.addItem(tr(ROLE_LABELS[key]), key)
        combo.setCurrentIndex(ROLES.index(role))
        combo.currentIndexChanged.connect(lambda _i, c=combo: self._on_role(c))
        self.table.setCellWidget(row, 1, combo)
        for column in range(2, len(COLUMNS)):
            self.table.setItem(row, column, QTableWidgetItem("…"))

    def _row_of(self, path: str) -> int:
        return next((row for row in range(self.table.rowCount()) if self._path(row) == path), -1)

    def _path(self, row: int) -> str:
        return self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)

    def role(self, row: int) -> str:
        return self.table.cellWidget(row, 1).currentData()

    def set_role(self, path: str | Path, role: str) -> None:
        row = self._row_of(str(Path(path).resolve()))
        if row >= 0:
            self.table.cellWidget(row, 1).setCurrentIndex(ROLES.index(role))

    def _on_role(self, combo: QComboBox) -> None:
        """One validation file and one test file at most: choosing a new one returns the old one to training."""
        role = combo.currentData()
        if role != "train":
            for row in range(self.table.rowCount()):
                other = self.table.cellWidget(row, 1)
                if other is not combo and other.currentData() == role:
                    other.blockSignals(True)
                    other.setCurrentIndex(0)
                    other.blockSignals(False)
        self._on_split_changed()

    def _on_stats(self, result: PathStats) -> None:
        row = self._row_of(result.path)
        if row < 0:
            return
        if result.error:
            self._drop_unusable(row, result.error)
            return
        if result.path in self._replaces_sample:
            self._replaces_sample.discard(result.path)
            self._drop_sample()
            row = self._row_of(result.path)
        stats = result.stats
        cells = ((format_bytes(stats.bytes), stats.bytes), (f"{stats.lines:,}", stats.lines),
                 (f"{stats.words:,}", stats.words))
        for column, (text, value) in enumerate(cells, start=2):
            self.table.setItem(row, column, _NumberItem(text, value))
        self.table.setItem(row, 5, QTableWidgetItem(", ".join(sorted(stats.encodings))))
        notes = result.warnings + [note for note in [cjk_font_problem(stats.scripts)] if note]
        if notes:
            self.message.show_message("\n".join(notes), "warning")

    def _drop_unusable(self, row: int, message: str) -> None:
        """An unusable file leaves the list with the reason shown; the other entries stay."""
        self.table.removeRow(row)
        self.message.show_message(message, "error")
        self._refresh_empty()
        self._on_split_changed()

    def _show_error(self, message: str) -> None:
        self.message.show_message(message, "error")

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self._refresh_empty()
            self._on_split_changed()

    def entries(self) -> list[tuple[str, str]]:
        return [(self._path(row), self.role(row)) for row in range(self.table.rowCount())]

    def _refresh_empty(self) -> None:
        empty = self.table.rowCount() == 0
        self.empty_label.setVisible(empty)
        if empty:
            self.preview = None
            self.preview_view.clear()
            self.preview_info.setText(tr("The preview appears once there is text."))

    def ask_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("Add text files"), last_folder("corpus"),
                                                tr("Text files (*.txt *.md *.text *.tsv *.csv);;All files (*)"))
        if files:
            self.add_paths(files)

    def ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Add a folder of text files"), last_folder("corpus"))
        if folder:
            self.add_paths([folder])

    def set_train_paths(self, new_paths: list[str | Path]) -> None:
        """Replace the whole list (task transfer's labelled data is the training text)."""
        self.table.setRowCount(0)
        self.add_paths(new_paths)

    # --- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        dropped = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if dropped:
            self.add_paths(dropped)
            event.acceptProposedAction()

    # --- split and tokenizer ---------------------------------------------------------------
    def _on_split_changed(self) -> None:
        roles = {role for _path, role in self.entries()}
        explicit_valid, explicit_test = "valid" in roles, "test" in roles
        self.valid_percent.setEnabled(not explicit_valid)
        self.test_percent.setEnabled(not explicit_valid and not explicit_test)
        if explicit_valid:
            text = tr("A validation file is chosen: all other text trains.") + (
                "" if explicit_test else tr(" No test text (mark a file “test” for a final test score)."))
        else:
            valid, test = self.valid_percent.value(), 0.0 if explicit_test else self.test_percent.value()
            text = (tr("Training uses {share:.1f} % of the text, held out by paragraph with a fixed "
                    "seed; or mark a file “validation” / “test” in the list above.").format(share=100 - valid - test))
        self.split_label.setText(text)
        self.changed.emit()

    def set_source(self, ref: str | None) -> None:
        """The model panel's source: its tokenizer can be reused."""
        self._source = ref
        self.reuse_radio.setEnabled(ref is not None)
        self._on_tokenizer_changed()

    def _reuse_source(self) -> bool:
        return self._source is not None and self.reuse_radio.isChecked()

    def _on_tokenizer_changed(self) -> None:
        reuse = self._reuse_source()
        self.kind_box.setEnabled(not reuse)
        self.vocab_spin.setEnabled(not reuse)
        self.changed.emit()

    def apply_to(self, config: TrainConfig) -> None:
        """Write the text, split and tokenizer choices into a run config."""
        entries = self.entries()
        config.train = [path for path, role in entries if role == "train"]
        config.valid = next((path for path, role in entries if role == "valid"), None)
        config.test = next((path for path, role in entries if role == "test"), None)
        valid = self.valid_percent.value() / 100
        test = 0.0 if config.test else self.test_percent.value() / 100
        config.split = (round(1 - valid - test, 6), valid, test)
        config.tokenizer = "source" if self._reuse_source() else "new"
        config.tokenizer_kind = self.kind_box.currentText()
        config.model.vocab_size = self.vocab_spin.value()

    # --- preview ---------------------------------------------------------------------------
    def _request_preview(self) -> None:
        config = TrainConfig()
        self.apply_to(config)
        if not config.train:
            return
        self.preview_info.setText(tr("Preparing the tokenizer preview…"))
        self._previewer.request(build_preview, config, self._source if self._reuse_source() else None)

    def preview_pending(self) -> bool:
        """A settings change is waiting out its debounce or its tokenizer is still being built, so
        `preview` describes an earlier state of the panel."""
        return self._preview_timer.isActive() or self._previewer.running

    def _on_preview(self, preview: Preview) -> None:
        self.preview = preview
        self.preview_view.setHtml(preview_html(preview.lines))
        self.preview_info.setText(
            tr("{kind} tokenizer, {pieces:,} pieces · {chars:.2f} characters "
               "per token · ≈ {tokens:,} training tokens. Alternating colours mark the pieces.").format(
                kind=preview.kind, pieces=preview.vocab_size, chars=preview.chars_per_token, tokens=preview.train_tokens))
        if preview.warnings:
            self.message.show_message("\n".join(preview.warnings), "warning")
        elif self.message.level == "error":
            self.message.clear()
        self.estimated.emit(preview.train_tokens, preview.vocab_size, preview.new_tokenizer)

    def _on_preview_failed(self, message: str) -> None:
        self.preview = None
        self.preview_view.clear()
        self.preview_info.setText(tr("No preview: fix the problem above."))
        self.message.show_message(message, "error")

    # --- persistence -----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"entries": self.entries(), "valid_percent": self.valid_percent.value(),
                "test_percent": self.test_percent.value(), "reuse_source": self.reuse_radio.isChecked(),
                "kind": self.kind_box.currentText(), "vocab_size": self.vocab_spin.value()}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore saved choices; files that vanished since are reported, not fatal."""
        self.valid_percent.setValue(float(state.get("valid_percent", 5.0)))
        self.test_percent.setValue(float(state.get("test_percent", 5.0)))
        (self.reuse_radio if state.get("reuse_source") else self.new_radio).setChecked(True)
        self.kind_box.setCurrentText(str(state.get("kind", "unigram")))
        self.vocab_spin.setValue(int(state.get("vocab_size", AUTO_VOCAB)))
        self.table.setRowCount(0)
        entries = [(str(path), str(role)) for path, role in state.get("entries", []) if role in ROLES]
        missing = [path for path, _role in entries if not Path(path).exists()]
        for role in ROLES:
            self.add_paths([path for path, r in entries if r == role and path not in missing], role,
                           replace_sample=False)
        if missing:
            self._list_notice = tr("These files are gone and were removed from the list: ") + ", ".join(missing)
            self.message.show_message(self._list_notice, "warning")
        self._on_split_changed()
