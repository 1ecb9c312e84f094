"""The Playground's prompt box: ghost text after the cursor and a list of the next words."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QInputMethodEvent, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (QAbstractItemView, QListWidget, QListWidgetItem, QPlainTextEdit, QStyle,
                               QStyledItemDelegate, QStyleOptionViewItem, QWidget)

from ..core.autocomplete import Suggestions
from ..core.formatting import format_percent
from ..core.words import is_cjk
from .i18n import translator

tr = translator("PromptEdit")


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
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, format_percent(prob))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> Any:
        size = super().sizeHint(option, index)
        size.setHeight(size.height() + 6)
        return size


class PromptEdit(QPlainTextEdit):
    """A text box that shows a greyed completion after the cursor and a list of next words.

    The list and the ghost text are views of the same `Suggestions`: row 0 is the ghost
    phrase; choosing another row with ↑/↓ turns the ghost into that word. Tab inserts
    the highlighted word only (and a space, so the next suggestions are for the next word; Chinese,
    written without spaces, gets none): the rest of the phrase is a preview, taken a word at a time.

    While an input method composes (`composing`: 拼音 typed, no character chosen yet) there is
    no ghost and no list: the preedit text sits where the ghost would be drawn, and it is not
    part of the text yet, so suggestions for the text without it would be for the wrong place.
    """

    accepted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ghost = ""
        self.composing = False
        self._suggestions: Suggestions | None = None
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

    def set_suggestions(self, suggestions: Suggestions | None) -> None:
        if self.composing:
            return
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
            item.setToolTip(tr("{word}: probability {probability:.2%}").format(word=word.word, probability=word.probability))
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
        if not self.ghost or self._suggestions is None:
            return False
        word = self._suggestions.words[max(self.popup.currentRow(), 0)].text
        bare = word.endswith(("\n", " ")) or any(is_cjk(char) for char in word)
        text = word if bare else word + " "
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

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802 (Qt name)
        """Set `composing` before the text control sees the event: it emits textChanged for a preedit
        change too, and whoever suggests must know to wait. The commit string ends the composition
        and arrives as ordinary typing."""
        self.composing = bool(event.preeditString())
        if self.composing:
            self.dismiss()
        super().inputMethodEvent(event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.popup.isVisible():
            self._place_popup()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if not self.ghost or self.composing or not self.textCursor().atBlockEnd():
            return
        painter = QPainter(self.viewport())
        painter.setPen(QColor(140, 140, 140))
        painter.setFont(self.font())
        rect = self.cursorRect()
        first_line = self.ghost.split("\n", 1)[0]
        painter.drawText(QRect(rect.right() + 1, rect.top(), self.viewport().width(), rect.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, first_line)
        painter.end()
