"""The Playground dock: type a prompt and watch the model complete it.

Three views of one model: live autocomplete while typing (ghost text + a list of the
most probable next words), streaming generation, and a surprisal heatmap that can set
two models side by side. All model work runs on worker threads; every request carries
a number and a reply whose number is no longer current is dropped, so a slow model can
never make typing lag or show suggestions for text that has changed since.
"""
from __future__ import annotations

import bisect
import logging
import math
import threading
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFileDialog, QGridLayout,
                               QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QSizePolicy, QSpinBox, QSplitter, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem, QTabWidget, QTextEdit, QToolButton, QToolTip,
                               QVBoxLayout, QWidget)

from ..core import autocomplete, checkpoint, decoding, sampling, surprisal
from ..core.errors import StudioError
from ..core.metrics import summarize
from .widgets import MessageBar, last_folder, remember_folder

log = logging.getLogger(__name__)

NO_MODEL = "Choose a model to start"
TYPE_HINT = "Type a prompt: suggestions appear as you type. Tab accepts, Esc dismisses, ↑/↓ choose."
SUGGESTIONS = 5
PHRASE_WORDS = 3
HEAT_MAX_BITS = 12.0  # a token this surprising (1 in 4096) or more gets the darkest colour


# --------------------------------------------------------------------------- background work


class _Bridge(QObject):
    """Carries results from worker threads to the interface thread (queued signals: the
    bridge lives in the interface thread, so its slot runs there)."""

    done = Signal(object, object)  # callback, result
    failed = Signal(str)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.done.connect(self.deliver)

    @Slot(object, object)
    def deliver(self, callback: Callable[[Any], None], result: Any) -> None:
        callback(result)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StudioError):
        return str(exc)
    log.exception("playground task failed", exc_info=exc)
    return f"internal error ({exc!r}); please report this"


class _Runner:
    """Runs functions on a private pool and hands each result to a callback on the GUI thread."""

    def __init__(self, parent: QObject, threads: int = 1) -> None:
        self.pool = QThreadPool(parent)
        self.pool.setMaxThreadCount(threads)
        self.bridge = _Bridge(parent)

    def start(self, work: Callable[[], Any], callback: Callable[[Any], None],
              on_error: Callable[[Any], None] | None = None) -> None:
        """Run `work` off the interface thread; then `callback(result)`, or on failure a message
        and `on_error(None)`, both on the interface thread."""
        def task() -> None:
            try:
                result = work()
            except Exception as exc:  # every failure reaches the panel as a message
                self.bridge.failed.emit(_describe(exc))
                if on_error is not None:
                    self.bridge.done.emit(on_error, None)
                return
            self.bridge.done.emit(callback, result)

        self.pool.start(task)


# --------------------------------------------------------------------------- prompt box


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when the dock is too narrow; the tooltip has it all."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 40)
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class _BarDelegate(QStyledItemDelegate):
    """A suggestion row: the word, its probability and a bar as long as its share of the best."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        share = float(index.data(Qt.ItemDataRole.UserRole) or 0.0)
        prob = float(index.data(Qt.ItemDataRole.UserRole + 1) or 0.0)
        rect = option.rect.adjusted(1, 1, -1, -1)
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor("#cfe0f7"))
        painter.fillRect(QRect(rect.left(), rect.top(), int(rect.width() * share), rect.height()),
                         QColor(91, 143, 217, 60))
        text_rect = rect.adjusted(6, 0, -6, 0)
        painter.setPen(option.palette.text().color())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         index.data(Qt.ItemDataRole.DisplayRole))
        painter.setPen(QColor("#555555"))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, _percent(prob))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> Any:
        size = super().sizeHint(option, index)
        size.setHeight(size.height() + 6)
        return size


def _percent(p: float) -> str:
    return f"{p:.0%}" if p >= 0.1 else f"{p:.1%}" if p >= 0.001 else "<0.1%"


def _compact(value: float) -> str:
    """Perplexities of tiny or untrained models run to millions: 281,963 -> 282k."""
    for limit, unit, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if value >= limit:
            return f"{value / unit:.3g}{suffix}"
    return f"{value:,.1f}"


class PromptEdit(QPlainTextEdit):
    """A text box that shows a greyed completion after the cursor and a list of next words.

    The list and the ghost text are views of the same `Suggestions`: row 0 is the ghost
    phrase; choosing another row with ↑/↓ turns the ghost into that word. Tab inserts
    the ghost (and a space, so the next suggestions are for the next word).
    """

    accepted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ghost = ""
        self._suggestions: autocomplete.Suggestions | None = None
        self.popup = QListWidget(self.viewport())
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setItemDelegate(_BarDelegate(self.popup))
        self.popup.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.popup.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.popup.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.popup.setStyleSheet("QListWidget {background: palette(base); border: 1px solid #9aa7b8;"
                                 " border-radius: 3px;}")
        self.popup.currentRowChanged.connect(self._choose)
        self.popup.hide()
        self._anchor = -1  # the cursor position the suggestions were made for
        self.cursorPositionChanged.connect(self._cursor_moved)

    def set_suggestions(self, suggestions: autocomplete.Suggestions | None) -> None:
        if suggestions and self._suggestions and suggestions.words == self._suggestions.words:
            self._suggestions = suggestions  # the same words with a longer phrase: keep the choice
            self._choose(self.popup.currentRow())
            return
        self._suggestions = suggestions if suggestions and suggestions.words else None
        self.popup.clear()
        if self._suggestions is None:
            self.dismiss()
            return
        best = self._suggestions.words[0].probability or 1.0
        for word in self._suggestions.words:
            item = QListWidgetItem(word.word)
            item.setData(Qt.ItemDataRole.UserRole, word.probability / best)
            item.setData(Qt.ItemDataRole.UserRole + 1, word.probability)
            item.setToolTip(f"{word.word}: probability {word.probability:.2%}")
            self.popup.addItem(item)
        self.popup.setCurrentRow(0)
        self._anchor = self.textCursor().position()
        self._place_popup()
        self.popup.show()

    def dismiss(self) -> None:
        self._suggestions = None
        self.ghost = ""
        self.popup.hide()
        self.viewport().update()

    def _cursor_moved(self) -> None:
        if self._suggestions is not None and self.textCursor().position() != self._anchor:
            self.dismiss()

    def suggestions_shown(self) -> list[str]:
        """The words in the list, top first (empty when hidden)."""
        if not self.popup.isVisible():
            return []
        return [self.popup.item(i).text() for i in range(self.popup.count())]

    def _choose(self, row: int) -> None:
        if self._suggestions is None or row < 0:
            return
        self.ghost = self._suggestions.phrase if row == 0 else self._suggestions.words[row].text
        self.viewport().update()

    def _place_popup(self) -> None:
        rows = self.popup.count()
        height = sum(self.popup.sizeHintForRow(i) for i in range(rows)) + 2 * self.popup.frameWidth()
        width = min(240, max(160, self.viewport().width() // 3))
        cursor = self.cursorRect()
        x = min(cursor.left(), max(0, self.viewport().width() - width))
        y = cursor.bottom() + 4
        if y + height > self.viewport().height() and cursor.top() - height - 4 >= 0:
            y = cursor.top() - height - 4
        self.popup.setGeometry(x, y, width, height)

    def accept_ghost(self) -> bool:
        if not self.ghost:
            return False
        text = self.ghost if self.ghost.endswith(("\n", " ")) else self.ghost + " "
        self.dismiss()
        self.textCursor().insertText(text)
        self.accepted.emit(text)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        key = event.key()
        if key == Qt.Key.Key_Tab and self.accept_ghost():
            return
        if key == Qt.Key.Key_Escape and self.popup.isVisible():
            self.dismiss()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.popup.isVisible():
            step = 1 if key == Qt.Key.Key_Down else -1
            self.popup.setCurrentRow((self.popup.currentRow() + step) % self.popup.count())
            return
        if key == Qt.Key.Key_Tab:
            return  # Tab never inserts a tab character: it is the accept key
        super().keyPressEvent(event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.popup.isVisible():
            self._place_popup()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if not self.ghost or not self.textCursor().atBlockEnd():
            return
        painter = QPainter(self.viewport())
        painter.setPen(QColor(140, 140, 140))
        painter.setFont(self.font())
        rect = self.cursorRect()
        first_line = self.ghost.split("\n", 1)[0]
        painter.drawText(QRect(rect.right() + 1, rect.top(), self.viewport().width(), rect.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, first_line)
        painter.end()


# --------------------------------------------------------------------------- surprisal heatmap


def heat_colour(nll: float) -> QColor:
    """White for an expected token, through yellow to red for a surprising one."""
    t = min(1.0, max(0.0, nll / math.log(2) / HEAT_MAX_BITS))
    return QColor.fromHsvF((1 - t) * 55 / 360, 0.05 + 0.8 * t, 1.0)


def token_tooltip(token: surprisal.TokenSurprisal) -> str:
    shown = token.text_piece.replace("\n", "⏎")
    alternatives = ", ".join(f"“{text.replace(chr(10), '⏎')}” {_percent(p)}" for text, p in token.top_alternatives)
    return (f"“{shown}”: probability {_percent(token.probability)} ({token.nll / math.log(2):.1f} bits)\n"
            f"the model expected: {alternatives}")


def _utf16_offsets(text: str) -> list[int]:
    """Qt counts positions in UTF-16 units; characters beyond the BMP take two."""
    offsets, pos = [], 0
    for char in text:
        offsets.append(pos)
        pos += 2 if ord(char) > 0xFFFF else 1
    offsets.append(pos)
    return offsets


class HeatmapView(QWidget):
    """One model's surprisal of a text: a title with its totals and the coloured text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.text.viewport().installEventFilter(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        self.tokens: list[surprisal.TokenSurprisal] = []
        self._starts: list[int] = []
        self._offsets: list[int] = []

    def show_tokens(self, name: str, text: str, tokens: list[surprisal.TokenSurprisal]) -> None:
        self.tokens = [t for t in tokens if t.end_char > t.start_char]
        self._starts = [t.start_char for t in self.tokens]
        self._offsets = _utf16_offsets(text)
        self.text.setPlainText(text)
        cursor = QTextCursor(self.text.document())
        for token in self.tokens:
            fmt = QTextCharFormat()
            fmt.setBackground(heat_colour(token.nll))
            cursor.setPosition(self._offsets[token.start_char])
            cursor.setPosition(self._offsets[token.end_char], QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
        total = sum(t.nll for t in tokens)
        metrics = summarize(total, max(len(tokens), 1), len(text.split()), len(text.encode("utf-8")))
        self.title.setText(f"<b>{name}</b> — {metrics['bpb']:.2f} bits/byte · "
                           f"word perplexity {_compact(metrics['word_ppl'])} (network alone) · {len(tokens)} tokens")

    def token_at(self, char: int) -> surprisal.TokenSurprisal | None:
        index = bisect.bisect_right(self._starts, char) - 1
        if index >= 0 and self.tokens[index].start_char <= char < self.tokens[index].end_char:
            return self.tokens[index]
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.ToolTip and self.tokens:
            position = self.text.cursorForPosition(event.pos()).position()
            char = bisect.bisect_right(self._offsets, position) - 1
            token = self.token_at(char)
            if token is not None:
                QToolTip.showText(event.globalPos(), token_tooltip(token), self.text)
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)


# --------------------------------------------------------------------------- the panel


def model_summary(loaded: Any) -> str:
    """One line: architecture, vocabulary, size and the best metric the card recorded."""
    cfg = loaded.model.config
    tok = loaded.config.get("tokenizer", {})
    parts = [f"{cfg.layers}-layer {cfg.cell.upper()} {cfg.emb_size}/{cfg.hidden_size}",
             f"{loaded.tokenizer.vocab_size:,} {tok.get('kind', '')} pieces".replace("  ", " "),
             f"{loaded.model.num_parameters() / 1e6:.1f} M params"]
    metrics = loaded.config.get("metrics") or {}
    for split in ("test", "valid"):
        values = metrics.get(split) or {}
        if isinstance(values, dict) and "word_ppl" in values:
            parts.append(f"{split} word ppl {_compact(values['word_ppl'])}")
            break
    return f"{loaded.name}: " + " · ".join(parts)


class PlaygroundPanel(QWidget):
    """Live autocomplete, streaming generation and a surprisal view for one model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded: Any = None
        self.autocompleter: autocomplete.Autocompleter | None = None
        self._models = _Runner(self)  # loading and surprisal
        self._suggester = _Runner(self)  # one suggestion at a time
        self._generator = _Runner(self)
        for runner in (self._models, self._suggester, self._generator):
            runner.bridge.failed.connect(self._failed)
        self._load_request = 0
        self._suggest_request = 0
        self._analyse_request = 0
        self._stop: threading.Event | None = None
        self._streaming = False
        self._compare_cache: dict[str, Any] = {}
        self._opened: list[str] = []  # model and run folders opened here, listed after the known models
        self.last_latency_ms = 0.0
        self._build()
        self.refresh_models()
        self._set_ready(False)

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("Model"))
        self.model_box = QComboBox()
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model_box.setMinimumContentsLength(14)
        self.model_box.activated.connect(self._model_chosen)
        chooser.addWidget(self.model_box)
        browse = QToolButton()
        browse.setText("Open folder…")
        browse.setToolTip("Use a model folder or a run folder (its best checkpoint)")
        browse.clicked.connect(self._browse)
        chooser.addWidget(browse)
        chooser.addStretch(1)
        layout.addLayout(chooser)
        self.summary = ElidedLabel(NO_MODEL)
        self.summary.setStyleSheet("color: #555;")
        layout.addWidget(self.summary)
        self.messages = MessageBar()
        layout.addWidget(self.messages)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_write(), "Write")
        self.tabs.addTab(self._build_surprisal(), "Surprisal")
        layout.addWidget(self.tabs, 1)

    def _build_write(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.editor = PromptEdit()
        self.editor.setPlaceholderText(NO_MODEL)
        self.editor.textChanged.connect(self._text_changed)
        layout.addWidget(self.editor, 1)
        self.temperature = _double(0.0, 5.0, 0.8, 0.05, "0 picks the most probable token every time (greedy)")
        self.top_k = _int(0, 9999, 40, "Sample only among the k most probable tokens (0: all)")
        self.top_p = _double(0.01, 1.0, 0.95, 0.01, "Sample only among the most probable tokens whose "
                                                    "probabilities add up to p (1: all)")
        self.length = _int(1, 5000, 100, "Tokens to generate")
        self.seed = _int(-1, 999_999, -1, "The same seed gives the same text")
        self.seed.setSpecialValueText("random")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Continue the text from the end of the box")
        self.generate_button.clicked.connect(self.start_generation)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_generation)
        controls = QGridLayout()  # two rows, so the dock fits beside the training plots
        cells = (("Temperature", self.temperature), ("Top-k", self.top_k), ("Top-p", self.top_p),
                 ("Length", self.length), ("Seed", self.seed))
        for index, (label, widget) in enumerate(cells):
            row, column = divmod(index, 3)
            controls.addWidget(QLabel(label), row, 2 * column, Qt.AlignmentFlag.AlignRight)
            controls.addWidget(widget, row, 2 * column + 1)
        controls.setColumnStretch(6, 1)
        layout.addLayout(controls)
        bottom = QHBoxLayout()
        self.status = ElidedLabel(TYPE_HINT)
        self.status.setStyleSheet("color: #555;")
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.generate_button)
        bottom.addWidget(self.stop_button)
        layout.addLayout(bottom)
        return page

    def _build_surprisal(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.analyse_button = QPushButton("Colour the text")
        self.analyse_button.setToolTip("Colour each token of the Write tab's text by how surprised the model is")
        self.analyse_button.clicked.connect(self.analyse)
        row.addWidget(self.analyse_button)
        row.addWidget(QLabel("Side by side with"))
        self.compare_box = QComboBox()
        self.compare_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row.addWidget(self.compare_box)
        row.addStretch(1)
        layout.addLayout(row)
        self.surprisal_hint = QLabel(NO_MODEL)
        self.surprisal_hint.setWordWrap(True)
        self.surprisal_hint.setStyleSheet("color: #555;")
        legend = QHBoxLayout()
        legend.addWidget(_legend())
        legend.addStretch(1)
        layout.addLayout(legend)
        layout.addWidget(self.surprisal_hint)
        self.views = QSplitter(Qt.Orientation.Horizontal)
        self.heatmaps = [HeatmapView(), HeatmapView()]
        for view in self.heatmaps:
            self.views.addWidget(view)
            view.hide()
        layout.addWidget(self.views, 1)
        return page

    # ----------------------------------------------------------------- models

    def refresh_models(self) -> None:
        """List bundled and installed models, and the folders opened here, in both choosers."""
        try:
            infos = checkpoint.list_models()
        except StudioError as exc:
            self.messages.show_message(str(exc))
            infos = []
        entries = [(info.name, str(info.path), info.card.strip()[:500]) for info in infos]
        known = {ref for _, ref, _ in entries}
        entries += [(Path(ref).name, ref, ref) for ref in self._opened if ref not in known]
        for box, placeholder in ((self.model_box, "Choose a model…"), (self.compare_box, "no second model")):
            chosen = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(placeholder, None)
            for name, ref, tip in entries:
                box.addItem(name, ref)
                box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            box.setCurrentIndex(max(0, box.findData(chosen)))
            box.blockSignals(False)

    def _select_ref(self, ref: str) -> None:
        """Show `ref` as the chosen model: a listed model (by folder or name), else an opened folder."""
        index = self.model_box.findData(ref)
        if index < 0:
            index = self.model_box.findText(ref)
        if index < 0:
            self._opened.append(ref)
            self.refresh_models()
            index = self.model_box.findData(ref)
        self.model_box.setCurrentIndex(index)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a model or run folder", last_folder("models"))
        if folder:
            remember_folder("models", folder)
            self.set_model(folder)

    def _model_chosen(self, index: int) -> None:
        ref = self.model_box.itemData(index)
        if ref:
            self.set_model(ref)

    def set_model(self, ref: str | Path) -> None:
        """Load a model folder, run folder or model name in the background and switch to it."""
        ref = str(ref)
        self._select_ref(ref)
        self._load_request += 1
        request = self._load_request
        self.messages.clear()
        self.summary.setText(f"Loading {Path(ref).name}…")

        def load() -> tuple[Any, autocomplete.Autocompleter]:
            loaded = checkpoint.load_model(ref)
            decoding.use_fast_decoding(loaded.model)
            return loaded, autocomplete.Autocompleter(loaded.model, loaded.tokenizer)

        self._models.start(load, lambda result: self._model_loaded(request, *result))

    def _model_loaded(self, request: int, loaded: Any, autocompleter: autocomplete.Autocompleter) -> None:
        if request != self._load_request:
            return
        self.stop_generation()
        self.loaded, self.autocompleter = loaded, autocompleter
        self.summary.setText(model_summary(loaded))
        self._set_ready(True)
        self._text_changed()

    def _set_ready(self, ready: bool) -> None:
        busy = self._streaming
        self.editor.setReadOnly(not ready or busy)
        self.editor.setPlaceholderText(TYPE_HINT if ready else NO_MODEL)
        self.generate_button.setEnabled(ready and not busy)
        self.stop_button.setEnabled(busy)
        self.analyse_button.setEnabled(ready)
        self.surprisal_hint.setText("Colours the text of the Write tab, token by token, by its loss under the "
                                    "model; hover a token to see its probability and the model's favourites."
                                    if ready else NO_MODEL)
        if not ready:
            self.summary.setText(NO_MODEL)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.refresh_models()  # a model installed or trained since is listed when the dock is shown

    def _failed(self, message: str) -> None:
        self.messages.show_message(message)
        if self.loaded is None:
            self._set_ready(False)

    # ----------------------------------------------------------------- autocomplete

    def _text_changed(self) -> None:
        self._suggest_request += 1
        self.editor.dismiss()
        if self._streaming or self.autocompleter is None:
            return
        cursor = self.editor.textCursor()
        prompt = self.editor.toPlainText()[:cursor.position()]
        self._request_suggestions(self._suggest_request, self.autocompleter, prompt, 1)

    def _request_suggestions(self, request: int, completer: autocomplete.Autocompleter, prompt: str, words: int) -> None:
        """Words first (ghost = the rest of the best word), then the longer ghost phrase:
        the phrase costs a few more model steps, and the list should not wait for them."""
        def work() -> tuple[autocomplete.Suggestions, float] | None:
            if request != self._suggest_request:
                return None  # typing went on while this waited: skip it
            started = time.perf_counter()
            result = completer.suggest(prompt, SUGGESTIONS, words)
            return result, (time.perf_counter() - started) * 1000

        def done(result: tuple[autocomplete.Suggestions, float] | None) -> None:
            if result is None or request != self._suggest_request or self._streaming:
                return
            suggestions, latency = result
            self.editor.set_suggestions(suggestions)
            if words == 1:
                self.last_latency_ms = latency
                self.status.setText(f"{TYPE_HINT}  (suggestions in {latency:.0f} ms)")
                if PHRASE_WORDS > 1 and suggestions.words:
                    self._request_suggestions(request, completer, prompt, PHRASE_WORDS)

        self._suggester.start(work, done)

    # ----------------------------------------------------------------- generation

    def sampling_options(self) -> sampling.SamplingOptions:
        seed = self.seed.value()
        return sampling.SamplingOptions(max_tokens=self.length.value(), temperature=self.temperature.value(),
                                   top_k=self.top_k.value(), top_p=self.top_p.value(),
                                   seed=None if seed < 0 else seed)

    def start_generation(self) -> None:
        if self.loaded is None or self._streaming:
            return
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        prompt, loaded, options = self.editor.toPlainText(), self.loaded, self.sampling_options()
        stop = self._stop = threading.Event()
        self._streaming = True
        self.editor.dismiss()
        self._set_ready(True)
        self.status.setText("Generating…")
        started = time.perf_counter()

        def work() -> int:
            chars = 0
            for piece in sampling.generate(loaded, prompt, options, stop):
                self._generator.bridge.done.emit(self._append, piece)
                chars += len(piece)
            return chars

        def finished(chars: int | None) -> None:
            self._streaming = False
            self._set_ready(self.loaded is not None)
            if chars is None:
                self.status.setText("Generation failed: see the message above.")
                return
            verb = "Stopped after" if stop.is_set() else "Generated"
            self.status.setText(f"{verb} {chars} characters in {time.perf_counter() - started:.1f} s.  {TYPE_HINT}")

        self._generator.start(work, finished, on_error=finished)

    def _append(self, piece: str) -> None:
        cursor = self.editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece)
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()

    def stop_generation(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def is_generating(self) -> bool:
        return self._streaming

    # ----------------------------------------------------------------- surprisal

    def analyse(self) -> None:
        text = self.editor.toPlainText()
        if self.loaded is None:
            return
        if not text.strip():
            self.messages.show_message("There is no text to colour: type or generate some in the Write tab first",
                                       "info")
            return
        self._analyse_request += 1
        request, loaded = self._analyse_request, self.loaded
        second = self.compare_box.currentData()
        self.surprisal_hint.setText("Scoring…")

        def work() -> list[tuple[str, list[surprisal.TokenSurprisal]]]:
            models = [loaded]
            if second:
                if second not in self._compare_cache:
                    self._compare_cache[second] = checkpoint.load_model(second)
                models.append(self._compare_cache[second])
            return [(m.name, surprisal.surprisal(m, text)) for m in models]

        self._models.start(work, lambda result: self._analysed(request, text, result))

    def _analysed(self, request: int, text: str, results: list[tuple[str, list[surprisal.TokenSurprisal]]]) -> None:
        if request != self._analyse_request:
            return
        for view in self.heatmaps:
            view.hide()
        for view, (name, tokens) in zip(self.heatmaps, results):
            view.show_tokens(name, text, tokens)
            view.show()
        note = (" Models with different tokenizers compare on bits per byte and word perplexity, not per token."
                if len(results) > 1 else "")
        self.surprisal_hint.setText("Hover a token to see its probability and the model's favourites." + note)

    def shutdown(self) -> None:
        """Stop generation and wait for background work, before the window closes."""
        self.stop_generation()
        for runner in (self._models, self._suggester, self._generator):
            runner.pool.waitForDone(5000)


def _double(low: float, high: float, value: float, step: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(2)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _int(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _legend() -> QLabel:
    stops = ", ".join(f"stop:{i / 4:.2f} {heat_colour(i / 4 * HEAT_MAX_BITS * math.log(2)).name()}" for i in range(5))
    label = QLabel(f"expected … surprising (≥ {HEAT_MAX_BITS:g} bits)")
    label.setStyleSheet(f"padding: 2px 6px; border-radius: 3px; background: qlineargradient(x1:0, y1:0, x2:1, y2:0, "
                        f"{stops});")
    return label
