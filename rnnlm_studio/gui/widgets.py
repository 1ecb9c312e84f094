"""Small pieces every panel shares: the settings store, remembered folders, the message bar, an
eliding label."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from .i18n import translator

tr = translator("Widgets")
ORGANIZATION = "RNNLM Studio"
APPLICATION = "rnnlm-studio"

_LEVEL_COLOURS = {  # background, border, text
    "error": ("#fde8e8", "#d9534f", "#7a1f1f"),
    "warning": ("#fff6dd", "#e0a800", "#6b4e00"),
    "info": ("#e8f1fd", "#5b8fd9", "#1f3f7a"),
}


def open_settings() -> QSettings:
    """The one settings file; an INI file so tests can redirect it with `QSettings.setPath`."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def last_folder(key: str, default: Path | None = None) -> str:
    """Where the last dialog of this kind was pointed, so the next one opens there (else `default`, else
    the home folder)."""
    value = open_settings().value(f"folders/{key}", "")
    return str(value) if value and Path(str(value)).is_dir() else str(default or Path.home())


def remember_folder(key: str, path: str | Path) -> None:
    path = Path(path)
    open_settings().setValue(f"folders/{key}", str(path if path.is_dir() else path.parent))


class MessageBar(QFrame):
    """A non-modal message inside the panel where a problem arose: nothing blocks, nothing is lost."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(tr("Dismiss this message"))
        close.clicked.connect(self.clear)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = ""
        self.hide()

    def show_message(self, text: str, level: str = "error") -> None:
        self.level = level
        self.label.setText(text)
        background, border, colour = _LEVEL_COLOURS[level]
        self.setStyleSheet(f"MessageBar {{background:{background}; border:1px solid {border}; border-radius:4px;}}"
                           f" QLabel {{color:{colour};}}")
        self.show()

    def clear(self) -> None:
        self.level = ""
        self.label.clear()
        self.hide()

    def text(self) -> str:
        """The message shown now ("" when none), which tests and the status bar read."""
        return self.label.text() if self.level else ""


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
