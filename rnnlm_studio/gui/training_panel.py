"""The Training dock: controls, budget, live numbers, the plots and the run log.

It only reacts to events; the window owns the training job. Numbers refresh on a timer
(like the plots), so a trainer logging hundreds of steps a second costs the interface
one buffer append per step.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar,
                               QSpinBox, QSplitter, QToolButton, QVBoxLayout, QWidget)

from ..core.config import TrainConfig
from ..core.events import (AverageEvent, CheckpointEvent, DoneEvent, ErrorEvent, EvalEvent, Event, LogEvent,
                           PauseEvent, StartEvent, StepEvent)
from ..core.formatting import format_duration
from ..core.metrics import CACHED, TASK_COLUMNS, format_task_metric, is_task_metrics
from ..core.runs import RunRecord, RunStore, read_events
from .i18n import N_, translator
from .plots import TrainingPlots
from .series import RunSeries
from .widgets import DurationSpin, ElidedLabel, MessageBar
from .workers import LatestOnly

tr = translator("TrainingPanel")
LABEL_REFRESH_MS = 100
MAX_TIME_BUDGET = 9999 * 60  # seconds
SPLITS = {"valid": N_("valid"), "test": N_("test")}
FIGURES = {"word_ppl": N_("word ppl"), "char_ppl": N_("char ppl"), "accuracy": N_("accuracy"),
           "macro_f1": N_("macro-F1"), "entity_f1": N_("entity F1")}
REASONS = {"budget": N_("budget reached"), "early-stopped": N_("early stopping")}


def figures_text(metrics: dict[str, Any], word_unit: str) -> str:
    """An evaluation's figures in the window's words (core's `eval_figures` writes the console's): a task
    run's accuracy and F1s, else word (or character) perplexity, the cache's where scored, and bpb."""
    if is_task_metrics(metrics):
        return " ".join(f"{tr(FIGURES[key])} {format_task_metric(key, metrics[key])}"
                        for key in TASK_COLUMNS if key in metrics)
    cached = metrics.get(CACHED + "word_ppl")
    return tr("{label} {ppl:.2f}{cache}, bpb {bpb:.3f}").format(
        label=tr(FIGURES["char_ppl" if word_unit == "character" else "word_ppl"]), ppl=metrics["word_ppl"],
        cache="" if cached is None else tr(" (with cache {ppl:.2f})").format(ppl=cached), bpb=metrics["bpb"])


def load_series(records: list[RunRecord], smoothing: float) -> list[RunSeries]:
    """Finished runs read back from their metrics files (in the background: files can be large)."""
    names = [record.name for record in records]
    return [RunSeries.from_events(record.id, record.name if names.count(record.name) == 1
                                  else f"{record.name} ({record.id[-4:]})", "", read_events(record.run_dir),
                                  record.tokenizer, smoothing)
            for record in records]



class TrainingPanel(QWidget):
    """Start/Pause/Stop, budget, progress with ETA, live figures, plots and log."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_step: StepEvent | None = None
        self.paused_step: int | None = None
        self.total_steps: int | None = None
        self.status = "idle"
        self._labels_timer = QTimer(self)
        self._labels_timer.setSingleShot(True)
        self._labels_timer.setInterval(LABEL_REFRESH_MS)
        self._labels_timer.timeout.connect(self._refresh_numbers)
        self._overlay_loader = LatestOnly(self)
        self._overlay_loader.done.connect(self._on_overlays)
        self._overlay_loader.failed.connect(self._show_error)
        self._build()

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(4)
        budget = QHBoxLayout()
        self.epochs_spin = QDoubleSpinBox()
        self.epochs_spin.setRange(0.0, 999.0)
        self.epochs_spin.setDecimals(2)
        self.epochs_spin.setValue(1.0)
        self.epochs_spin.setSpecialValueText(tr("off"))
        self.epochs_spin.setToolTip(tr("Stop after this many passes over the training text (off = no limit; with "
                                       "every limit off, a run trains one epoch)"))
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(0, 9_999_999)
        self.steps_spin.setSingleStep(100)
        self.steps_spin.setSpecialValueText(tr("off"))
        self.steps_spin.setToolTip(tr("Stop after this many optimiser steps (off = no limit)"))
        self.time_spin = DurationSpin(MAX_TIME_BUDGET)
        self.time_spin.setToolTip(tr("Stop after this much training time (off = no limit): type 45 s, 1 min 30 s, "
                                     "2 h or 1:30; a bare number is minutes"))
        for label, widget in ((tr("Stop after: epochs"), self.epochs_spin), (tr("steps"), self.steps_spin),
                              (tr("time"), self.time_spin)):
            budget.addWidget(QLabel(label))
            budget.addWidget(widget)
        budget.addStretch(1)

        self.state_label = QLabel(tr("Ready"))
        self.state_label.setStyleSheet("font-weight:bold;")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat(tr("Press Start to train"))
        # Growing numbers must not re-lay out (and repaint) the plots below: the columns share the width
        # whatever the text (ElidedLabel ignores its text's width), so a narrow window still shows the plots whole.
        self.numbers = {key: ElidedLabel("–") for key in ("step", "tokens", "speed", "lr", "grad", "elapsed")}
        for label in self.numbers.values():
            label.setMinimumWidth(70)
        grid = QGridLayout()
        captions = {"step": tr("Step"), "tokens": tr("Tokens seen"), "speed": tr("Tokens/s"), "lr": tr("Learning rate"),
                    "grad": tr("Gradient norm"), "elapsed": tr("Elapsed")}
        for i, (key, caption) in enumerate(captions.items()):
            grid.addWidget(QLabel(caption + ":"), i // 3, 2 * (i % 3))
            grid.addWidget(self.numbers[key], i // 3, 2 * (i % 3) + 1)
        for column, share in ((1, 2), (3, 1), (5, 1)):  # "12,345 / 45,678 (epoch 3)" is the longest
            grid.setColumnStretch(column, share)

        self.message = MessageBar()
        self.plots = TrainingPlots()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(1000)
        self.log.setPlaceholderText(tr("Messages from the run appear here."))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plots)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 50])  # three lines of log; the plots take the rest

        self.buttons.addSpacing(8)
        self.buttons.addWidget(self.state_label)
        self.buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.buttons)
        layout.addLayout(budget)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        layout.addWidget(splitter, 1)

    def set_actions(self, actions: list[QAction]) -> None:
        """The window's Start/Pause/Stop actions as buttons, so toolbar, menu and panel stay in step."""
        for index, action in enumerate(actions):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.buttons.insertWidget(index, button)

    # --- config ----------------------------------------------------------------------------
    def apply_to(self, config: TrainConfig) -> None:
        config.epochs = self.epochs_spin.value() or None
        config.max_steps = self.steps_spin.value() or None
        config.time_budget = self.time_spin.value() or None

    # --- events ----------------------------------------------------------------------------
    def begin_job(self) -> None:
        self.message.clear()
        self.plots.clear_live()
        self.last_step = None
        self.paused_step = None
        self._set_status("starting", tr("Preparing…"))
        self.progress.setValue(0)
        self.progress.setFormat(tr("Preparing…"))

    def on_event(self, event: Event) -> None:
        self.plots.add_event(event)
        if isinstance(event, StepEvent):
            self.last_step = event
            if not self._labels_timer.isActive():
                self._labels_timer.start()
        elif isinstance(event, StartEvent):
            self._on_start(event)
        elif isinstance(event, EvalEvent):
            best = tr(" (best)") if event.is_best else ""
            figures = figures_text({**event.extra, "word_ppl": event.word_ppl, "bpb": event.bpb}, event.word_unit)
            self._log(tr("step {step}: {split} {figures}").format(
                step=event.step, split=tr(SPLITS.get(event.split, event.split)), figures=figures) + best)
        elif isinstance(event, PauseEvent):
            # Steps are logged every few steps, so the pause's own step is the one every figure shows.
            self.paused_step = event.step if event.paused else None
            self._set_status("paused" if event.paused else "training",
                             tr("Paused at step {step:,}").format(step=event.step) if event.paused else tr("Training"))
            self._refresh_numbers()
        elif isinstance(event, AverageEvent):
            self._log(tr("averaging weights from step {step:,} ({share:.0%} of the budget) on: evaluations and "
                         "checkpoints now use the mean of the weights after every step since").format(
                step=event.step, share=event.share))
        elif isinstance(event, LogEvent):
            self._log(event.message)
            if event.level == "warning":
                self.message.show_message(event.message, "warning")
        elif isinstance(event, CheckpointEvent):
            self._log(tr("checkpoint '{tag}' at step {step}").format(tag=event.tag, step=event.step))
        elif isinstance(event, DoneEvent):
            self._on_done(event)
        elif isinstance(event, ErrorEvent):
            self._set_status("failed", tr("Failed"))
            self.message.show_message(event.message, "error")
            self._log(tr("error: ") + event.message)

    def _on_start(self, event: StartEvent) -> None:
        record = RunStore().get(event.run_id)
        events = read_events(event.run_dir) if event.resumed_from_step else []
        self.plots.begin_run(event.run_id, record.name, record.tokenizer, events)
        self.total_steps = event.total_steps
        self._set_status("training", tr("Training"))
        resumed = tr(", resumed from step {step}").format(step=event.resumed_from_step) if event.resumed_from_step else ""
        self._log(tr("run {name}: {parameters:,} parameters ({trainable:,} trainable), "
                  "{tokens:,} training tokens, {device} {precision}{resumed}").format(
            name=record.name, parameters=event.parameters, trainable=event.trainable_parameters,
            tokens=event.train_tokens, device=event.device, precision=event.precision, resumed=resumed))

    def _on_done(self, event: DoneEvent) -> None:
        self._refresh_numbers()
        stopped = event.reason == "stopped"
        self._set_status("stopped" if stopped else "done", tr("Stopped") if stopped else tr("Done"))
        valid = event.valid or {}
        summary = figures_text(valid, event.word_unit) if "bpb" in valid or is_task_metrics(valid) else ""
        if stopped:
            self.progress.setFormat(tr("Stopped — resume it from the Runs panel"))
            self._log(tr("stopped at step {step}; a resumable checkpoint is in {folder}").format(
                step=event.step, folder=event.run_dir))
        else:
            self.progress.setValue(1000)
            self.progress.setFormat(tr("Done"))
            self._log(tr("done ({reason}) at step {step}: valid {summary}").format(
                reason=tr(REASONS.get(event.reason, event.reason)), step=event.step, summary=summary))

    def _set_status(self, status: str, text: str) -> None:
        self.status = status
        self.state_label.setText(text)

    def mark_stopping(self) -> None:
        self._set_status("stopping", tr("Stopping…"))

    def _refresh_numbers(self) -> None:
        event = self.last_step
        if event is None:
            return
        total = f" / {self.total_steps:,}" if self.total_steps else ""
        step = event.step if self.paused_step is None else self.paused_step
        self.numbers["step"].setText(tr("{step:,}{total} (epoch {epoch})").format(
            step=step, total=total, epoch=event.epoch + 1))
        self.numbers["tokens"].setText(f"{event.tokens_seen:,}")
        self.numbers["speed"].setText(f"{event.tokens_per_s:,.0f}")
        self.numbers["lr"].setText(f"{event.lr:.3g}")
        self.numbers["grad"].setText(f"{event.grad_norm:.3g}")
        self.numbers["elapsed"].setText(format_duration(event.elapsed))
        if self.status in ("training", "paused", "stopping"):
            self.progress.setValue(round(event.progress * 1000))
            self.progress.setFormat(tr("{progress:.0%} · ETA {eta}").format(
                progress=event.progress, eta=format_duration(event.eta)))

    def _log(self, text: str) -> None:
        self.log.appendPlainText(text)

    def _show_error(self, message: str) -> None:
        self.message.show_message(message, "error")

    # --- comparison ------------------------------------------------------------------------
    def show_runs(self, records: list[RunRecord]) -> None:
        """Overlay these runs' validation curves (empty: none)."""
        self._overlay_loader.request(load_series, records, self.plots.smoothing_weight())

    def _on_overlays(self, series: list[RunSeries]) -> None:
        self.plots.set_overlays(series)

    # --- persistence -----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"epochs": self.epochs_spin.value(), "steps": self.steps_spin.value(),
                "seconds": self.time_spin.value(), "plots": self.plots.state()}

    def set_state(self, state: dict[str, Any]) -> None:
        self.epochs_spin.setValue(float(state.get("epochs", 1.0)))
        self.steps_spin.setValue(int(state.get("steps", 0)))
        seconds = state.get("seconds", float(state.get("minutes", 0.0)) * 60)  # older settings kept minutes
        self.time_spin.setValue(round(float(seconds)))
        self.plots.set_state(state.get("plots") or {})
