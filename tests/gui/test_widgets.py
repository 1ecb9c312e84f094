"""Pieces every panel shares, met as a user meets them in the window."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget


def _wheel(widget: QWidget, notches: int = -1) -> None:
    """One turn of the mouse wheel over the middle of `widget` (negative: towards the user, scrolling down)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    QApplication.sendEvent(widget, QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, 120 * notches),
                                               Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                                               Qt.ScrollPhase.NoScrollPhase, False))


def _scroll_area(widget: QWidget) -> QAbstractScrollArea:
    parent = widget.parentWidget()
    while not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def test_the_wheel_scrolls_the_form_and_changes_a_field_only_once_it_has_focus(make_window, qtbot) -> None:
    """Issue #20, defect 6: scrolling the Model panel over the learning rate changed it (0.002 → 0.012)."""
    window = make_window()
    window.resize(1024, 700)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.docks["model"].raise_()
    panel = window.model_panel
    qtbot.waitUntil(lambda: panel.lr_spin.isVisible())
    area = _scroll_area(panel.lr_spin)
    scrollbar = area.verticalScrollBar()
    assert scrollbar.maximum() > 0, "the form should be taller than the dock at 1024×700"
    window.training_panel.log.setFocus()
    for field in (panel.lr_spin, panel.optimizer_box, panel.hidden_spin):
        before, position = (field.value() if hasattr(field, "value") else field.currentIndex()), scrollbar.value()
        _wheel(field)
        after = field.value() if hasattr(field, "value") else field.currentIndex()
        assert after == before, f"{field.toolTip()!r} changed under the wheel without focus"
        assert scrollbar.value() > position or scrollbar.value() == scrollbar.maximum()
    qtbot.mouseClick(panel.lr_spin, Qt.MouseButton.LeftButton)
    assert panel.lr_spin.hasFocus()
    value = panel.lr_spin.value()
    _wheel(panel.lr_spin, 1)
    assert panel.lr_spin.value() > value  # a focused field takes the wheel, as users expect
