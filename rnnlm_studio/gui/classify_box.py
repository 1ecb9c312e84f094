"""The Playground's Classify tab: type a line, see what a task model (classifier or tagger) makes of it.

The model runs on a worker lane (gui/workers.py), never on the interface thread; each request
carries a number, and a reply to a line that has been changed since is dropped.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QVBoxLayout, QWidget

from ..core import predict
from ..core.formatting import format_percent
from .i18n import N_, translator
from .widgets import MessageBar
from .workers import Lane

tr = translator("ClassifyBox")
NOT_A_CLASSIFIER = N_("The chosen model is a language model. Choose the model of a task run (trained with transfer "
                    "type “task”) to classify text here.")
HINT = N_("Type a line and press Enter: the model's label and the probability of every label appear below.")


class ClassifyBox(QWidget):
    """One line in, the label (a tagger: each word's tag) and the probabilities out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: Any = None  # a core.classify.LoadedClassifier
        self._lane = Lane(self)
        self._request = 0
        self.message = MessageBar()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(tr("A line to classify"))
        self.edit.returnPressed.connect(self.classify)
        self.button = QPushButton(tr("Classify"))
        self.button.clicked.connect(self.classify)
        self.result = QLabel(tr(NOT_A_CLASSIFIER))
        self.result.setWordWrap(True)
        self.probabilities = QListWidget()
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(self.result)
        layout.addWidget(self.probabilities, 1)
        self.set_model(None)

    def set_model(self, model: Any) -> None:
        """The task model to use, or None (a language model is chosen): the box then says why it is idle."""
        self.model = model
        self._request += 1
        self.edit.setEnabled(model is not None)
        self.button.setEnabled(model is not None)
        self.probabilities.clear()
        self.result.setText(tr(HINT) if model is not None else tr(NOT_A_CLASSIFIER))

    def classify(self) -> None:
        text, model = self.edit.text(), self.model
        if model is None:
            return
        if not text.strip():
            self.message.show_message(tr("There is nothing to classify: type a line first"), "info")
            return
        self.message.clear()
        self.message.hide()
        self._request += 1
        request = self._request
        self.result.setText(tr("Classifying…"))
        self._lane.start(lambda: predict.predict(model, [text])[0], lambda p: self._show(request, p), self._failed)

    def _show(self, request: int, prediction: predict.Prediction) -> None:
        if request != self._request:
            return
        self.probabilities.clear()
        if prediction.tags:
            self.result.setText(" ".join(f"{token}/{tag}" for token, tag, _ in prediction.tags))
            self.probabilities.addItems([f"{token}\t{tag}\t{format_percent(p)}" for token, tag, p in prediction.tags])
            return
        self.result.setText(f"<b>{prediction.label}</b> ({format_percent(prediction.probabilities[prediction.label])})")
        self.probabilities.addItems([f"{format_percent(p)}\t{label}" for label, p in prediction.probabilities.items()])

    def _failed(self, message: str) -> None:
        self.result.setText(tr(HINT))
        self.message.show_message(message)

    def wait(self, msecs: int) -> bool:
        return self._lane.wait(msecs)
