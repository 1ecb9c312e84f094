"""Small pieces every panel shares: the settings store, remembered folders, the message bar, an
eliding label, a duration field, and the wheel guard that keeps the mouse wheel from changing fields while it scrolls."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QFrame, QHBoxLayout, QLabel, QSizePolicy,
                               QSlider, QSpinBox, QToolButton, QWidget)

from ..core.formatting import format_duration

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
    """A one-line label that ends in "…" when the dock is too narrow; the tooltip has it all. `mode`
    ElideMiddle keeps both ends, for a message that ends in a folder."""

    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._mode = mode
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
        super().setText(self.fontMetrics().elidedText(self._full, self._mode, width))


WHEEL_FIELDS = (QAbstractSpinBox, QComboBox, QSlider)


class WheelGuard(QObject):
    """The mouse wheel over a spin box, combo box or slider scrolls the panel unless that field has focus
    (a click or Tab gives it), so scrolling a form never changes a learning rate on the way.

    One filter on the application covers every field of every panel, present and future: fields stop
    taking focus from the wheel, and an unfocused field's wheel event goes to its parents (the scroll
    area) as an ignored event does.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, WHEEL_FIELDS):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and isinstance(watched, WHEEL_FIELDS) and not _has_focus(watched):
            _pass_to_parent(watched, event)
            return True
        return False


def _pass_to_parent(widget: QWidget, event: QWheelEvent) -> None:
    """Offer the wheel to the field's ancestors, nearest first, until one takes it (the scroll area's
    viewport), as Qt propagates an ignored wheel event; a forwarded event is not spontaneous, and Qt
    would not propagate it by itself."""
    parent = widget.parentWidget()
    while parent is not None:
        forwarded = QWheelEvent(widget.mapTo(parent, event.position()), event.globalPosition(), event.pixelDelta(),
                                event.angleDelta(), event.buttons(), event.modifiers(), event.phase(),
                                event.inverted(), event.source())
        forwarded.ignore()
        QApplication.sendEvent(parent, forwarded)
        if forwarded.isAccepted():
            return
        parent = parent.parentWidget()


def _has_focus(widget: QWidget) -> bool:
    """A combo box's line edit or a spin box's editor may hold the focus for it."""
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def install_wheel_guard(app: QApplication) -> None:
    """Once per application (every window calls it; a second guard would only repeat the first)."""
    if app.property("wheel-guard") is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
        app.setProperty("wheel-guard", True)


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(hours?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int | None:
    """Seconds from what a user types: `45 s`, `3 min 07 s`, `2h5m`, `1:30` (min:s), `1:02:03`, or a bare
    number of minutes; 0 for "off" or nothing; None when it is not a duration."""
    text = text.strip().lower()
    if text in ("", "off"):
        return 0
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return round(float(text) * 60)
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}", text):
        seconds = 0
        for part in text.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    parts = _DURATION_PART.findall(text)
    if not parts or _DURATION_PART.sub("", text).strip():
        return None
    return round(sum(float(number) * _UNIT_SECONDS[unit[0]] for number, unit in parts))


class DurationSpin(QSpinBox):
    """A time in seconds shown as `45 s`, `3 min 07 s` or `2 h 05 min`; typed as any of those, as
    `1:30`, or as a bare number of minutes. 0 shows as "off"."""

    def __init__(self, maximum_seconds: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, maximum_seconds)
        self.setSingleStep(60)
        self.setSpecialValueText(tr("off"))

    def textFromValue(self, value: int) -> str:  # noqa: N802 (Qt name)
        return format_duration(value)

    def valueFromText(self, text: str) -> int:  # noqa: N802 (Qt name)
        seconds = parse_duration(text)
        return self.value() if seconds is None else seconds

    def validate(self, text: str, pos: int) -> object:
        seconds = parse_duration(text)
        if seconds is not None and seconds <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos
