"""The Playground's surprisal view: a text coloured token by token by how surprised a model was."""
from __future__ import annotations

import bisect
import math

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QTextEdit, QToolTip, QVBoxLayout, QWidget

from ..core.formatting import format_compact, format_percent
from ..core.metrics import summarize
from ..core.surprisal import TokenSurprisal
from ..core.words import counts, word_unit
from .i18n import N_, translator

tr = translator("Heatmap")
UNITS = {"word": N_("word"), "character": N_("character")}  # core.words.word_unit
HEAT_MAX_BITS = 12.0  # a token this surprising (1 in 4096) or more gets the darkest colour


def heat_colour(nll: float) -> QColor:
    """White for an expected token, through yellow to red for a surprising one."""
    t = min(1.0, max(0.0, nll / math.log(2) / HEAT_MAX_BITS))
    return QColor.fromHsvF((1 - t) * 55 / 360, 0.05 + 0.8 * t, 1.0)


def token_tooltip(token: TokenSurprisal) -> str:
    shown = token.text_piece.replace("\n", "⏎")
    alternatives = ", ".join(f"“{text.replace(chr(10), '⏎')}” {format_percent(p)}" for text, p in token.top_alternatives)
    return (tr("“{token}”: probability {probability} ({bits:.1f} bits)\n"
               "the model expected: {alternatives}").format(token=shown, probability=format_percent(token.probability),
                                                            bits=token.nll / math.log(2), alternatives=alternatives))


def _utf16_offsets(text: str) -> list[int]:
    """Qt counts positions in UTF-16 units; characters beyond the BMP take two."""
    offsets, pos = [], 0
    for char in text:
        offsets.append(pos)
        pos += 2 if ord(char) > 0xFFFF else 1
    offsets.append(pos)
    return offsets


def heatmap_title(name: str, text: str, tokens: list[TokenSurprisal]) -> str:
    """The totals over `text`, per word as training reports them (core/words.py): for Chinese text
    each character is a word, and the figure is called what it is, a character perplexity."""
    n_words, n_cjk = counts(text)
    metrics = summarize(sum(t.nll for t in tokens), max(len(tokens), 1), n_words, len(text.encode("utf-8")))
    return (tr("<b>{name}</b> — {bpb:.2f} bits/byte · {unit} perplexity "
               "{ppl} (network alone) · {tokens} tokens").format(name=name, bpb=metrics["bpb"],
               unit=tr(UNITS[word_unit(n_words, n_cjk)]), ppl=format_compact(metrics["word_ppl"]), tokens=len(tokens)))


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
        self.tokens: list[TokenSurprisal] = []
        self._starts: list[int] = []
        self._offsets: list[int] = []

    def show_tokens(self, name: str, text: str, tokens: list[TokenSurprisal]) -> None:
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
        self.title.setText(heatmap_title(name, text, tokens))

    def token_at(self, char: int) -> TokenSurprisal | None:
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


def legend() -> QLabel:
    """The colour scale, expected to surprising."""
    stops = ", ".join(f"stop:{i / 4:.2f} {heat_colour(i / 4 * HEAT_MAX_BITS * math.log(2)).name()}" for i in range(5))
    label = QLabel(tr("expected … surprising (≥ {bits:g} bits)").format(bits=HEAT_MAX_BITS))
    label.setStyleSheet(f"padding: 2px 6px; border-radius: 3px; background: qlineargradient(x1:0, y1:0, x2:1, y2:0, "
                        f"{stops});")
    return label
