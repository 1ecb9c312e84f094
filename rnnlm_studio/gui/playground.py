"""The Playground dock: type a prompt and watch the model complete it.

Three views of one model: live autocomplete while typing (ghost text + a list of the
most probable next words), streaming generation, and a surprisal heatmap that can set
two models side by side; for a task model (classifier or tagger), a Classify tab (gui/classify_box.py).
All model work runs on worker threads; every request carries
a number and a reply whose number is no longer current is dropped, so a slow model can
never make typing lag or show suggestions for text that has changed since.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QSplitter, QTabWidget, QToolButton, QVBoxLayout, QWidget)

from ..core import autocomplete, checkpoint, decoding, paths, predict, sampling, surprisal
from ..core.errors import StudioError
from ..core.formatting import format_compact
from ..core.sampling_options import SamplingOptions
from .classify_box import ClassifyBox
from .heatmap import HeatmapView
from .heatmap import legend as heat_legend
from .i18n import N_, translator
from .prompt_edit import PromptEdit
from .widgets import ElidedLabel, MessageBar, last_folder, remember_folder
from .workers import Lane


tr = translator("Playground")
NO_MODEL = N_("Choose a model to start")
TYPE_HINT = N_("Type a prompt: suggestions appear as you type. Tab accepts, Esc dismisses, ↑/↓ choose.")
SUGGESTIONS = 5
PHRASE_WORDS = 3


def model_summary(loaded: Any) -> str:
    """One line: architecture, vocabulary, size and the best metric the card recorded."""
    cfg = loaded.model.config
    tok = loaded.config.get("tokenizer", {})
    parts = [tr("{layers}-layer {cell} {emb}/{hidden}").format(layers=cfg.layers, cell=cfg.cell.upper(), emb=cfg.emb_size,
                                                               hidden=cfg.hidden_size),
             tr("{count:,} {kind} pieces").format(
                 count=loaded.tokenizer.vocab_size, kind=tok.get("kind", "")).replace("  ", " "),
             tr("{millions:.1f} M params").format(millions=loaded.model.num_parameters() / 1e6)]
    metrics = loaded.config.get("metrics") or {}
    for split, label in (("test", N_("test")), ("valid", N_("valid"))):
        values = metrics.get(split) or {}
        if isinstance(values, dict) and "word_ppl" in values:
            per = tr("{split} char ppl {ppl}") if values.get("word_unit") == "character" else tr("{split} word ppl {ppl}")
            parts.append(per.format(split=tr(label), ppl=format_compact(values["word_ppl"])))
            break
    return f"{loaded.name}: " + " · ".join(parts)


class PlaygroundPanel(QWidget):
    """Live autocomplete, streaming generation and a surprisal view for one model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded: Any = None
        self.autocompleter: autocomplete.Autocompleter | None = None
        self._models = Lane(self)  # loading and surprisal
        self._suggester = Lane(self)  # one suggestion at a time
        self._generator = Lane(self)
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
        chooser.addWidget(QLabel(tr("Model")))
        self.model_box = QComboBox()
        # A long run name must not widen the dock past a 1024-pixel screen: the list pops up wider instead.
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(14)
        self.model_box.activated.connect(self._model_chosen)
        chooser.addWidget(self.model_box)
        self.browse_button = QToolButton()
        self.browse_button.setText(tr("Open folder…"))
        self.browse_button.setToolTip(tr("Use a model folder or a run folder (its best checkpoint)"))
        self.browse_button.clicked.connect(self._browse)
        chooser.addWidget(self.browse_button)
        self.refresh_button = QToolButton()
        self.refresh_button.setText(tr("Refresh"))
        self.refresh_button.setToolTip(tr("List the runs and models again (a run trained elsewhere, a model installed "
                                       "since)"))
        self.refresh_button.clicked.connect(self.refresh_models)
        chooser.addWidget(self.refresh_button)
        chooser.addStretch(1)
        layout.addLayout(chooser)
        self.summary = ElidedLabel(tr(NO_MODEL))
        self.summary.setStyleSheet("color: #555;")
        layout.addWidget(self.summary)
        self.messages = MessageBar()
        layout.addWidget(self.messages)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_write(), tr("Write"))
        self.tabs.addTab(self._build_surprisal(), tr("Surprisal"))
        self.classify_box = ClassifyBox()
        self.tabs.addTab(self.classify_box, tr("Classify"))
        layout.addWidget(self.tabs, 1)

    def _build_write(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.editor = PromptEdit()
        self.editor.setPlaceholderText(tr(NO_MODEL))
        self.editor.textChanged.connect(self._text_changed)
        layout.addWidget(self.editor, 1)
        defaults = SamplingOptions()  # the CLI's `generate` defaults
        self.temperature = _double(0.0, 5.0, defaults.temperature, 0.05,
                                   tr("0 picks the most probable token every time (greedy)"))
        self.top_k = _int(0, 9999, defaults.top_k, tr("Sample only among the k most probable tokens (0: all)"))
        self.top_p = _double(0.01, 1.0, defaults.top_p, 0.01, tr("Sample only among the most probable tokens whose "
                                                              "probabilities add up to p (1: all)"))
        self.length = _int(1, 5000, defaults.max_tokens, tr("Tokens to generate"))
        self.seed = _int(-1, 999_999, -1, tr("The same seed gives the same text"))
        self.seed.setSpecialValueText(tr("random"))
        self.generate_button = QPushButton(tr("Generate"))
        self.generate_button.setToolTip(tr("Continue the text from the end of the box"))
        self.generate_button.clicked.connect(self.start_generation)
        self.stop_button = QPushButton(tr("Stop"))
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_generation)
        controls = QGridLayout()  # two columns, so the dock fits beside the training plots at 1024×700
        cells = ((tr("Temperature"), self.temperature), ("Top-k", self.top_k), ("Top-p", self.top_p),
                 (tr("Length"), self.length), (tr("Seed"), self.seed))
        for index, (label, widget) in enumerate(cells):
            row, column = divmod(index, 2)
            controls.addWidget(QLabel(label), row, 2 * column, Qt.AlignmentFlag.AlignRight)
            controls.addWidget(widget, row, 2 * column + 1)
        controls.setColumnStretch(4, 1)
        layout.addLayout(controls)
        bottom = QHBoxLayout()
        self.status = ElidedLabel(tr(TYPE_HINT))
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
        self.analyse_button = QPushButton(tr("Colour the text"))
        self.analyse_button.setToolTip(tr("Colour each token of the Write tab's text by how surprised the model is"))
        self.analyse_button.clicked.connect(self.analyse)
        row.addWidget(self.analyse_button)
        row.addWidget(QLabel(tr("Side by side with")))
        self.compare_box = QComboBox()
        self.compare_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.compare_box.setMinimumContentsLength(10)
        self.compare_box.currentIndexChanged.connect(self._second_model_changed)
        row.addWidget(self.compare_box)
        row.addStretch(1)
        layout.addLayout(row)
        self.surprisal_hint = QLabel(tr(NO_MODEL))
        self.surprisal_hint.setWordWrap(True)
        self.surprisal_hint.setStyleSheet("color: #555;")
        legend = QHBoxLayout()
        legend.addWidget(heat_legend())
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
        """List every trained run in the store (newest first), the installed and bundled models, and the
        folders opened here, in both choosers."""
        try:
            runs = checkpoint.trained_runs()
            infos = checkpoint.list_models()
        except StudioError as exc:
            self.messages.show_message(str(exc))
            runs, infos = [], []
        entries = [(f"run: {record.name}", str(record.run_dir), f"{record.id} ({record.status})\n{record.run_dir}")
                   for record in runs]
        entries += [(info.name, str(info.path), info.card.strip()[:500]) for info in infos]
        known = {ref for _, ref, _ in entries}
        entries += [(Path(ref).name, ref, ref) for ref in self._opened if ref not in known]
        for box, placeholder in ((self.model_box, tr("Choose a model…")), (self.compare_box, tr("no second model"))):
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
        folder = QFileDialog.getExistingDirectory(self, tr("Open a model or run folder"),
                                                  last_folder("models", paths.runs_dir()))
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
        self.summary.setText(tr("Loading {name}…").format(name=Path(ref).name))

        def load() -> tuple[Any, autocomplete.Autocompleter, Any]:
            loaded = checkpoint.load_model(ref)
            task = predict.load_task_model(loaded.path) if predict.is_task_model(loaded.path) else None
            decoding.use_fast_decoding(loaded.model)
            return loaded, autocomplete.Autocompleter(loaded.model, loaded.tokenizer), task

        self._models.start(load, lambda result: self._model_loaded(request, *result), self._failed)

    def _model_loaded(self, request: int, loaded: Any, autocompleter: autocomplete.Autocompleter, task: Any) -> None:
        if request != self._load_request:
            return
        self.stop_generation()
        self.loaded, self.autocompleter = loaded, autocompleter
        self.classify_box.set_model(task)
        if task is not None:
            self.tabs.setCurrentWidget(self.classify_box)  # a classifier's text is classified, not continued
        self.summary.setText(model_summary(loaded))
        self._set_ready(True)
        self._text_changed()

    def _set_ready(self, ready: bool) -> None:
        busy = self._streaming
        self.editor.setReadOnly(not ready or busy)
        self.editor.setPlaceholderText(tr(TYPE_HINT) if ready else tr(NO_MODEL))
        self.generate_button.setEnabled(ready and not busy)
        self.stop_button.setEnabled(busy)
        self.analyse_button.setEnabled(ready)
        self.surprisal_hint.setText(tr("Colours the text of the Write tab, token by token, by its loss under the "
                                    "model; hover a token to see its probability and the model's favourites.")
                                    if ready else tr(NO_MODEL))
        if not ready:
            self.summary.setText(tr(NO_MODEL))

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
        if self._streaming or self.autocompleter is None or self.editor.composing:
            return  # an input method's preedit is not text yet: suggest once it is committed
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
                self.status.setText(tr("{hint}  (suggestions in {ms:.0f} ms)").format(hint=tr(TYPE_HINT), ms=latency))
                if PHRASE_WORDS > 1 and suggestions.words:
                    self._request_suggestions(request, completer, prompt, PHRASE_WORDS)

        self._suggester.start(work, done, self._failed)

    # ----------------------------------------------------------------- generation

    def sampling_options(self) -> SamplingOptions:
        seed = self.seed.value()
        return SamplingOptions(max_tokens=self.length.value(), temperature=self.temperature.value(),
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
        self.status.setText(tr("Generating…"))
        started = time.perf_counter()

        def work() -> int:
            chars = 0
            for piece in sampling.generate(loaded, prompt, options, stop):
                self._generator.post(self._append, piece)
                chars += len(piece)
            return chars

        def finished(chars: int | None) -> None:
            self._streaming = False
            self._set_ready(self.loaded is not None)
            if chars is None:
                self.status.setText(tr("Generation failed: see the message above."))
                return
            done = tr("Stopped after {chars} characters in {seconds:.1f} s.") if stop.is_set() else \
                tr("Generated {chars} characters in {seconds:.1f} s.")
            self.status.setText(done.format(chars=chars, seconds=time.perf_counter() - started) + "  " + tr(TYPE_HINT))

        def failed(message: str) -> None:
            self._failed(message)
            finished(None)

        self._generator.start(work, finished, failed)

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
            self.messages.show_message(tr("There is no text to colour: type or generate some in the Write tab first"),
                                       "info")
            return
        self._analyse_request += 1
        request, loaded = self._analyse_request, self.loaded
        second = self.compare_box.currentData()
        # Panes are titled as the lists name the models: a run's checkpoint folder is called "best".
        names = [self.model_box.currentText() or loaded.name, self.compare_box.currentText()]
        self.surprisal_hint.setText(tr("Scoring…"))

        def work() -> list[tuple[str, list[surprisal.TokenSurprisal]]]:
            models = [loaded]
            if second:
                if second not in self._compare_cache:
                    self._compare_cache[second] = checkpoint.load_model(second)
                models.append(self._compare_cache[second])
            return [(name, surprisal.surprisal(m, text)) for name, m in zip(names, models)]

        self._models.start(work, lambda result: self._analysed(request, text, result), self._failed)

    def _second_model_changed(self) -> None:
        """Shown panes follow the second model at once; nothing is scored before the user asked once."""
        if any(not view.isHidden() for view in self.heatmaps):
            self.analyse()

    def _analysed(self, request: int, text: str, results: list[tuple[str, list[surprisal.TokenSurprisal]]]) -> None:
        if request != self._analyse_request:
            return
        for view in self.heatmaps:
            view.hide()
        for view, (name, tokens) in zip(self.heatmaps, results):
            view.show_tokens(name, text, tokens)
            view.show()
        note = (tr(" Models with different tokenizers compare on bits per byte and word perplexity, not per token.")
                if len(results) > 1 else "")
        self.surprisal_hint.setText(tr("Hover a token to see its probability and the model's favourites.") + note)

    def shutdown(self) -> None:
        """Stop generation and wait for background work, before the window closes."""
        self.stop_generation()
        self.wait_for_background(5000)

    def wait_for_background(self, msecs: int) -> bool:
        """Wait for the lanes' calls to end (their idle threads end too); False if one still runs."""
        return all([lane.wait(msecs) for lane in (self._models, self._suggester, self._generator)]
                   + [self.classify_box.wait(msecs)])


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
