"""The Playground dock: type a prompt and watch the model complete it (work in progress)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaygroundPanel(QWidget):
    """Live autocomplete, streaming generation and a surprisal view for one model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self._empty = QLabel("Choose a model to start")
        layout.addWidget(self._empty)

    def set_model(self, ref: str | Path) -> None:
        self._empty.setText(f"Model: {ref}")
