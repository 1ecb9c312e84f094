"""The Model & Transfer dock: the source model, the transfer type, architecture and optimiser.

Every default comes from the config dataclasses, so the form, the CLI and the trainer
agree on what "default" means; the form only adds ranges, tooltips and the estimates.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHeaderView, QLabel, QPushButton, QScrollArea, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from ..core.card import read_card
from ..core.checkpoint import list_models, model_config_from, read_config, resolve_model
from ..core.config import CELLS, OPTIMIZERS, SCHEDULES, TRANSFERS, ModelConfig, TrainConfig, default_lr
from ..core.device import DeviceChoice, device_choices
from ..core.errors import StudioError
from ..core.estimate import count_and_measure, epoch_seconds, speed_from_throughput
from ..core.formatting import format_estimate
from ..core.model import layer_names
from ..core.runs import RunStore
from .i18n import N_, translator
from .source_ranking import SourceRanking
from .sources_box import MappingBox, MoreSourcesBox
from .target_layers import TargetLayersBox
from .widgets import MessageBar, last_folder, remember_folder
from .workers import LatestOnly

OLD_EVAL_DEFAULT = 500  # "Evaluate every" before the auto schedule
tr = translator("ModelPanel")
DEFAULT_SOURCE = "english-lstm"
ORIGINS = {"bundled": N_("bundled"), "installed": N_("installed")}  # core ModelInfo.origin, shown
# core.device's fixed labels, marked here so `tr` finds them (the completeness test sees a new one)
DEVICE_LABELS = (N_("Auto (a GPU if there is one)"), N_("All GPUs (torchrun)"), N_("CPU, 2 processes (torchrun)"))
TRANSFER_HELP = {
    "scratch": N_("Train a new model from random weights; the source is not used. This is the baseline."),
    "structure": N_("Copy the source's architecture and settings, but start from random weights."),
    "parameter": N_("Start from all of the source's weights and fine-tune everything on your text."),
    "feature": N_("Keep the source's embedding and recurrent layers frozen; train only the output layer."),
    "partial": N_("Copy the layers you tick below and freeze the ones you choose; the rest start fresh."),
    "ulmfit": N_("Fine-tune in stages: unfreeze one layer group at a time from the top, lower layers "
              "learn more slowly, with a slanted triangular learning rate."),
    "task": N_("Reuse the source's encoder under a new classifier (or per-word tagger) head trained on labelled text."),
}


@dataclass
class SourceInfo:
    ref: str
    folder: Path
    config: dict[str, Any]
    card: str
    model: ModelConfig  # its architecture, read (and checked) from config.json

    def layer_names(self) -> list[str]:
        return layer_names(self.model.layers)

    def describe_architecture(self) -> str:
        m = self.model
        return tr("{layers}×{hidden} {cell}, embedding {emb}, {kind} vocabulary of {vocab:,}").format(
            layers=m.layers, hidden=m.hidden_size, cell=m.cell.upper(), emb=m.emb_size, kind=self.tokenizer_kind(),
            vocab=m.vocab_size)

    def tokenizer_kind(self) -> str:
        return str((self.config.get("tokenizer") or {}).get("kind", ""))


def load_source(ref: str) -> SourceInfo:
    """The model folder behind a choice (a run resolves to its best checkpoint) and its card."""
    folder = resolve_model(ref)
    config = read_config(folder)
    return SourceInfo(ref, folder, config, read_card(folder), model_config_from(config, folder))


def describe_target(model: ModelConfig, source: SourceInfo, new_tokenizer: bool) -> str:
    """What the run takes from its source, and whose vocabulary it reads with."""
    vocabulary = (tr("a new vocabulary of {size:,} pieces trained on your text").format(size=model.vocab_size)
                  if new_tokenizer else tr("the source's {kind} vocabulary of {size:,}").format(
                      kind=source.tokenizer_kind(), size=model.vocab_size))
    own = source.model.hidden_size
    text = (tr("Taken from the source model: {layers}×{hidden} {cell}, embedding {emb}; {vocabulary}.")
            if model.hidden_size == own else
            tr("The source model grown from {own} to {hidden} units per layer: {layers}×{hidden} {cell}, "
               "embedding {emb}; {vocabulary}."))
    return text.format(layers=model.layers, hidden=model.hidden_size, cell=model.cell.upper(), emb=model.emb_size,
                       vocabulary=vocabulary, own=own)


def _spin(low: int, high: int, value: int, tip: str, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _real(low: float, high: float, value: float, tip: str, decimals: int = 3, step: float = 0.1) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _combo(items: tuple[str, ...], value: str, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(items)
    combo.setCurrentText(value)
    combo.setToolTip(tip)
    return combo


class ModelPanel(QWidget):
    """Source chooser and card, transfer type and its options, architecture and optimiser form."""

    source_changed = Signal(object)  # a model reference, or None for "from scratch"
    labelled_data_chosen = Signal(str)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: SourceInfo | None = None
        self._train_tokens = 0
        self._vocab_size = ModelConfig().vocab_size or 4000  # until the corpus preview tells the real size
        self._new_tokenizer: bool | None = None  # the corpus panel's choice, once its preview tells it
        self._own_model: ModelConfig | None = None  # the form's own architecture while it shows a source's
        self._schedule_before_ulmfit: str | None = None  # the schedule ULMFiT's slanted one replaced
        self._speed = 0.0  # parameter-tokens per second: calibrated, then a finished run's (core/estimate.py)
        self._parameters = 0
        self._counter = LatestOnly(self)
        self._counter.done.connect(self._on_count)
        self._counter.failed.connect(self._show_error)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self._estimate)
        self._build()
        self.changed.connect(self._timer.start)
        self.refresh_sources()
        self._timer.start()

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.message = MessageBar()
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.message)
        layout.addWidget(self._build_source())
        self.ranking = SourceRanking()  # which source reads the loaded corpus best (source_ranking.py)
        layout.addWidget(self.ranking)
        layout.addWidget(self._build_transfer())
        layout.addWidget(self._build_architecture())
        layout.addWidget(self._build_optimiser())
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        self.baseline_check = QCheckBox(tr("Also train a scratch baseline"))
        self.baseline_check.setToolTip(tr("To measure the transfer gain: before the run, trains the same architecture "
                                          "from random weights on the same data and budget; the run is then warned as "
                                          "soon as it falls behind the baseline, and the Runs table shows the gain"))
        layout.addWidget(self.baseline_check)
        layout.addWidget(self.estimate_label)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        for spin_type in (QSpinBox, QDoubleSpinBox):
            for widget in inner.findChildren(spin_type):
                widget.valueChanged.connect(self.changed)
        for widget in inner.findChildren(QComboBox):
            if widget is not self.source_box:
                widget.currentIndexChanged.connect(self.changed)
        for widget in inner.findChildren(QCheckBox):
            widget.toggled.connect(self.changed)

    def _build_source(self) -> QGroupBox:
        box = QGroupBox(tr("Source model"))
        self.source_box = QComboBox()
        self.source_box.setToolTip(tr("Bundled and installed models, your previous runs, or a model folder"))
        self.source_box.activated.connect(self._on_source_activated)
        self.card_view = QTextBrowser()
        self.card_view.setMinimumHeight(80)
        self.card_view.setMaximumHeight(150)
        layout = QVBoxLayout(box)
        layout.addWidget(self.source_box)
        layout.addWidget(self.card_view)
        return box

    def _build_transfer(self) -> QGroupBox:
        box = QGroupBox(tr("Transfer"))
        defaults = TrainConfig()
        self.transfer_box = _combo(TRANSFERS, defaults.transfer, tr("What moves from the source model, and what trains"))
        self.transfer_box.currentIndexChanged.connect(self._on_transfer)
        self.transfer_help = QLabel()
        self.transfer_help.setWordWrap(True)
        self.layer_table = QTableWidget(0, 3)
        self.layer_table.setHorizontalHeaderLabels((tr("Layer"), tr("Copy"), tr("Freeze")))
        self.layer_table.verticalHeader().hide()
        self.layer_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.layer_table.setMaximumHeight(150)
        self.layer_table.itemChanged.connect(lambda _item: self.changed.emit())
        self.unfreeze_spin = _spin(0, 1_000_000, defaults.unfreeze_every,
                                   tr("Steps before the next lower layer group unfreezes; 0 = one group per epoch"))
        self.factor_spin = _real(1.0, 10.0, defaults.discriminative_factor,
                                 tr("Each lower layer group learns this many times more slowly"), 2)
        self.ulmfit_box = QWidget()
        ulmfit_form = QFormLayout(self.ulmfit_box)
        ulmfit_form.setContentsMargins(0, 0, 0, 0)
        ulmfit_form.addRow(tr("Unfreeze every (steps)"), self.unfreeze_spin)
        ulmfit_form.addRow(tr("Discriminative LR factor"), self.factor_spin)
        ulmfit_form.addRow(QLabel(tr("Learning rate: slanted triangular schedule")))
        self.task_box = QWidget()
        task_layout = QVBoxLayout(self.task_box)
        task_layout.setContentsMargins(0, 0, 0, 0)
        task_note = QLabel(tr("Labelled data: a folder with one subfolder per class, or a TSV/CSV file with "
                           "<i>label</i> and <i>text</i> columns; or, to tag each word, a file of "
                           "<i>token</i>&lt;TAB&gt;<i>label</i> lines with a blank line between sentences. It becomes "
                           "the training text: choose a file here, or add a folder in the Corpus panel."))
        task_note.setWordWrap(True)
        self.labelled_button = QPushButton(tr("Choose labelled data…"))
        self.labelled_button.clicked.connect(self._ask_labelled)
        task_layout.addWidget(task_note)
        task_layout.addWidget(self.labelled_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(box)
        layout.addWidget(self.transfer_box)
        layout.addWidget(self.transfer_help)
        self.target_layers = TargetLayersBox()  # target_layers.py: --layers, --no-tie, --feature-layer
        self.target_layers.changed.connect(self._show_target)
        layout.addWidget(self.target_layers)
        layout.addWidget(self.layer_table)
        layout.addWidget(self.ulmfit_box)
        layout.addWidget(self.task_box)
        self.mapping_box = MappingBox()  # sources_box.py: the learned mapping T
        self.more_sources = MoreSourcesBox()  # sources_box.py: several sources at once
        layout.addWidget(self.mapping_box)
        layout.addWidget(self.more_sources)
        return box

    def _build_architecture(self) -> QGroupBox:
        self.arch_box = QGroupBox(tr("Architecture"))
        m = ModelConfig()
        self.cell_box = _combo(CELLS, m.cell, tr("LSTM is the safe choice; GRU is a little faster"))
        self.emb_spin = _spin(8, 4096, m.emb_size, tr("Size of each piece's vector"), 16)
        self.hidden_spin = _spin(8, 8192, m.hidden_size, tr("Size of the recurrent state; the main cost driver"), 64)
        self.layers_spin = _spin(1, 8, m.layers, tr("Stacked recurrent layers"))
        self.tie_check = QCheckBox(tr("Tie input and output embeddings"))
        self.tie_check.setChecked(m.tie_weights)
        self.tie_check.setToolTip(tr("Shares one matrix: fewer parameters and usually lower perplexity"))
        tip = tr("Dropout probability (0 = off); more helps on small corpora")
        self.dropout_spins = {name: _real(0.0, 0.9, getattr(m, name), tip, 2, 0.05)
                              for name in ("dropout_emb", "dropout_input", "dropout_hidden", "dropout_output")}
        self.arch_note = QLabel()
        self.arch_note.setWordWrap(True)
        form = QFormLayout(self.arch_box)
        form.addRow(self.arch_note)
        form.addRow(tr("Cell"), self.cell_box)
        form.addRow(tr("Embedding size"), self.emb_spin)
        form.addRow(tr("Hidden size"), self.hidden_spin)
        form.addRow(tr("Layers"), self.layers_spin)
        form.addRow(self.tie_check)
        for label, name in ((tr("Dropout: embedding"), "dropout_emb"), (tr("Dropout: input"), "dropout_input"),
                            (tr("Dropout: between layers"), "dropout_hidden"), (tr("Dropout: output"), "dropout_output")):
            form.addRow(label, self.dropout_spins[name])
        return self.arch_box

    def _build_optimiser(self) -> QGroupBox:
        box = QGroupBox(tr("Optimiser"))
        d = TrainConfig()
        self.optimizer_box = _combo(OPTIMIZERS, d.optimizer, tr("AdamW suits short budgets; SGD needs a higher rate"))
        self.lr_spin = _real(1e-6, 10.0, d.peak_lr, tr("Peak learning rate (lower when fine-tuning a source's "
                             "weights)"), 5, 0.0005)
        self._lr_default = d.peak_lr
        self.decay_spin = _real(0.0, 1.0, d.weight_decay, tr("Weight decay (L2 penalty)"), 4, 0.005)
        self.clip_spin = _real(0.0, 100.0, d.clip, tr("Clip the gradient norm to this (0 = no clipping)"), 2, 0.05)
        self.schedule_box = _combo(SCHEDULES, d.schedule, tr("How the learning rate changes over the run"))
        self.warmup_spin = _spin(0, 1_000_000, d.warmup_steps, tr("Steps of linear warm-up"), 10)
        self.average_spin = _spin(0, 99, 0, tr("From this share of the budget on, the model evaluated and kept is "
                                  "the mean of the weights after every step since (AWD-LSTM's averaged SGD, "
                                  "SWA); training goes on from the weights themselves. Off: the last weights"), 5)
        self.average_spin.setSuffix(" %")
        self.average_spin.setSpecialValueText(tr("off"))
        self.batch_spin = _spin(1, 4096, d.batch_size, tr("Sequences per step"), 4)
        self.bptt_spin = _spin(4, 2048, d.bptt, tr("Tokens per sequence (truncated back-propagation length)"), 8)
        self.eval_spin = _spin(0, 1_000_000, d.eval_every or 0, tr("Measure validation perplexity every this many steps. "
                               "auto: at 1/32, 1/16, 1/8, 1/4, 1/2 and 3/4 of the budget and at its end (and at "
                               "least every 500 steps), so a short run has a curve and a transfer gain"), 50)
        self.eval_spin.setSpecialValueText(tr("auto"))
        self.seed_spin = _spin(0, 2 ** 31 - 1, d.seed, tr("Random seed: the same seed repeats a run exactly"))
        self.device_box = self._build_device_box()
        form = QFormLayout(box)
        form.addRow(tr("Optimiser"), self.optimizer_box)
        form.addRow(tr("Learning rate"), self.lr_spin)
        form.addRow(tr("Weight decay"), self.decay_spin)
        form.addRow(tr("Gradient clip"), self.clip_spin)
        form.addRow(tr("LR schedule"), self.schedule_box)
        form.addRow(tr("Warm-up steps"), self.warmup_spin)
        form.addRow(tr("Average weights from"), self.average_spin)
        form.addRow(tr("Batch size"), self.batch_spin)
        form.addRow(tr("Sequence length"), self.bptt_spin)
        form.addRow(tr("Evaluate every"), self.eval_spin)
        form.addRow(tr("Seed"), self.seed_spin)
        form.addRow(tr("Device"), self.device_box)
        return box

    def _build_device_box(self) -> QComboBox:
        box = QComboBox()
        box.setToolTip(tr("Where the run trains. Runs in several processes (torchrun) or on one chosen GPU train in "
                       "a child process: the plots are the same, but they cannot be paused"))
        self._devices = {choice.key: choice for choice in device_choices()}
        for row, choice in enumerate(self._devices.values()):
            box.addItem(tr(choice.label), choice.key)
            box.setItemData(row, tr("Unavailable: {reason}").format(reason=choice.unavailable) if choice.unavailable else
                            _device_tip(choice), Qt.ItemDataRole.ToolTipRole)
            box.model().item(row).setEnabled(not choice.unavailable)
        box.setCurrentIndex(box.findData("auto"))
        return box

    def device_choice(self) -> DeviceChoice:
        return self._devices[self.device_box.currentData()]

    def processes(self) -> int:
        return self.device_choice().processes

    def _select_device(self, key: str) -> None:
        """A saved choice this machine cannot run now (a GPU gone) falls back to Auto."""
        choice = self._devices.get(key)
        self.device_box.setCurrentIndex(self.device_box.findData(key if choice and not choice.unavailable else "auto"))

    # --- sources ---------------------------------------------------------------------------
    def refresh_sources(self) -> None:
        """Rebuild the chooser (bundled, installed, finished runs), keeping the current choice."""
        current = self.source_ref()
        box = self.source_box
        box.blockSignals(True)
        box.clear()
        box.addItem(tr("None — train from scratch"), None)
        try:
            for info in list_models():
                box.addItem(tr("{name} ({origin})").format(
                    name=info.name, origin=tr(ORIGINS.get(info.origin, info.origin))), str(info.path))
            for record in RunStore().list():
                if record.status in ("done", "stopped"):
                    box.addItem(tr("run: {name} ({id})").format(name=record.name, id=record.id), str(record.run_dir))
        except StudioError as exc:
            self.message.show_message(str(exc), "error")
        box.addItem(tr("Browse for a model folder…"), "browse")
        box.blockSignals(False)
        self._select(current, announce=False)

    def select_default(self) -> None:
        """First start: the bundled default source with fine-tuning, or scratch when it is absent."""
        default = next((str(info.path) for info in list_models() if info.name == DEFAULT_SOURCE), None)
        self._select(default)
        if default is not None:
            self.transfer_box.setCurrentText("parameter")

    def source_ref(self) -> str | None:
        return self.source.ref if self.source is not None else None

    def set_source(self, ref: str | None) -> None:
        self._select(ref)

    def _select(self, ref: str | None, announce: bool = True) -> None:
        """Choose a source by reference; a folder not in the list is added as its own entry."""
        index = self.source_box.findData(ref) if ref is not None else 0
        if index < 0:
            if not Path(ref).is_dir():
                self.message.show_message(tr("The source model {ref} is gone; choose another one.").format(ref=ref), "warning")
                index = 0
            else:
                index = self.source_box.count() - 1
                self.source_box.insertItem(index, tr("folder: {name}").format(name=Path(ref).name), ref)
        self.source_box.setCurrentIndex(index)
        self._load(self.source_box.itemData(index), announce)

    def _on_source_activated(self, index: int) -> None:
        data = self.source_box.itemData(index)
        if data == "browse":
            folder = QFileDialog.getExistingDirectory(self, tr("Choose a model or run folder"), last_folder("models"))
            if not folder:
                self._select(self.source_ref())
                return
            remember_folder("models", folder)
            data = folder
        self._select(data)

    def _load(self, ref: str | None, announce: bool) -> None:
        previous = self.source_ref()
        self.source = None
        if ref is not None:
            try:
                self.source = load_source(ref)
            except StudioError as exc:
                self.message.show_message(str(exc), "error")
                self.source_box.setCurrentIndex(0)
        if self.source is None:
            self.card_view.setMarkdown(tr("No source model: the run trains from random weights. Choose a model to "
                                       "transfer what it learned."))
        else:
            self.card_view.setMarkdown(self.source.card or f"**{Path(ref).name}**\n\n{self.source.describe_architecture()}")
            if self.message.level == "error":
                self.message.clear()
        self.layer_table.setRowCount(0)  # a new source: its layers start with the default ticks
        self._fill_layers(self.source.layer_names() if self.source is not None else [])
        self.more_sources.set_choices([(self.source_box.itemText(i), self.source_box.itemData(i))
                                       for i in range(self.source_box.count())
                                       if self.source_box.itemData(i) not in (None, "browse")], self.source_ref())
        self.mapping_box.follow_source(self.source.config["model"] if self.source is not None else None)
        self._on_transfer()
        if announce and self.source_ref() != previous:
            self.source_changed.emit(self.source_ref())

    # --- transfer --------------------------------------------------------------------------
    def _on_transfer(self) -> None:
        has_source = self.source is not None
        model = self.transfer_box.model()
        for i, name in enumerate(TRANSFERS):
            model.item(i).setEnabled(has_source or name == "scratch")
        if not has_source and self.transfer_box.currentText() != "scratch":
            self.transfer_box.setCurrentText("scratch")
            return
        transfer = self.transfer_box.currentText()
        if self.lr_spin.value() == self._lr_default:  # follow the default unless the user chose a rate
            self.lr_spin.setValue(default_lr(transfer))
        self._lr_default = default_lr(transfer)
        self.transfer_help.setText(tr(TRANSFER_HELP[transfer]) + ("" if has_source else
                                                              tr(" Choose a source model for the other types.")))
        self.target_layers.setVisible(has_source and transfer != "scratch")
        self.target_layers.follow(transfer, self.source.model if has_source else None)
        self.layer_table.setVisible(transfer == "partial")
        self.ulmfit_box.setVisible(transfer == "ulmfit")
        self.task_box.setVisible(transfer == "task")
        self.mapping_box.setVisible(transfer == "parameter")
        self.more_sources.follow_transfer(transfer, has_source)
        self._follow_ulmfit_schedule(transfer == "ulmfit")
        own = transfer == "scratch" or not has_source
        for widget in self.arch_box.findChildren(QWidget):
            if widget is not self.arch_note:
                widget.setEnabled(own)
        self.arch_note.setVisible(not own)
        self._show_architecture(own)

    def _show_target(self) -> None:
        """A layer option changed: the greyed form and the partial table follow what the trainer builds."""
        self._show_architecture(self.transfer_box.currentText() == "scratch" or self.source is None)

    def _follow_ulmfit_schedule(self, ulmfit: bool) -> None:
        """ULMFiT brings its slanted triangular schedule, and leaving it gives back the schedule chosen
        before, so "slanted" does not stay behind (nor get saved) for a transfer that did not ask for it."""
        if ulmfit and self._schedule_before_ulmfit is None:
            self._schedule_before_ulmfit = self.schedule_box.currentText()
            self.schedule_box.setCurrentText("slanted")
        elif not ulmfit and self._schedule_before_ulmfit is not None:
            self.schedule_box.setCurrentText(self._schedule_before_ulmfit)
            self._schedule_before_ulmfit = None

    def _show_architecture(self, own: bool) -> None:
        """The greyed form shows the architecture the run takes from its source (dropouts included); the
        user's own values come back with scratch."""
        if own:
            if self._own_model is not None:
                self._set_model_fields(self._own_model)
                self._own_model = None
            return
        if self._own_model is None:
            self._own_model = self.model_config()
        target = self.target_model()
        self._set_model_fields(target)
        self._fill_layers(layer_names(target.layers))
        self.arch_note.setText(describe_target(target, self.source, bool(self._new_tokenizer)))

    def _set_model_fields(self, m: ModelConfig) -> None:
        self.cell_box.setCurrentText(m.cell)
        self.emb_spin.setValue(m.emb_size)
        self.hidden_spin.setValue(m.hidden_size)
        self.layers_spin.setValue(m.layers)
        self.tie_check.setChecked(m.tie_weights)
        for name, spin in self.dropout_spins.items():
            spin.setValue(getattr(m, name))

    def target_model(self) -> ModelConfig:
        """The architecture the run will train, with the vocabulary its tokenizer will have."""
        config = TrainConfig(transfer=self.transfer_box.currentText(), source=self.source_ref())
        self._apply_model(config)  # as `apply_to` sends it
        source = self.source.model if self.source is not None else None
        vocab = source.vocab_size if source is not None and not self._new_tokenizer else self._vocab_size
        return config.target_model(vocab, source)

    def _fill_layers(self, names: list[str]) -> None:
        """The target's layers for partial transfer: ticks survive by name; a layer the source lacks (one
        added on top) cannot be copied, and a new row starts as copied unless it is the output layer."""
        copy, freeze = self._checked_layers(1), self._checked_layers(2)
        known = {self.layer_table.item(row, 0).text() for row in range(self.layer_table.rowCount())}
        has = set(self.source.layer_names()) if self.source is not None else set()
        self.layer_table.blockSignals(True)
        self.layer_table.setRowCount(len(names))
        for row, name in enumerate(names):
            self.layer_table.setItem(row, 0, QTableWidgetItem(name))
            copied = name in copy if name in known else name != "output"
            for column, checked, usable in ((1, copied and name in has, name in has), (2, name in freeze, True)):
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled if usable
                              else Qt.ItemFlag.NoItemFlags)
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.layer_table.setItem(row, column, item)
        self.layer_table.blockSignals(False)

    def _checked_layers(self, column: int) -> list[str]:
        return [self.layer_table.item(row, 0).text() for row in range(self.layer_table.rowCount())
                if self.layer_table.item(row, column).checkState() == Qt.CheckState.Checked]

    def set_layer_choice(self, copy: list[str], freeze: list[str]) -> None:
        for row in range(self.layer_table.rowCount()):
            name = self.layer_table.item(row, 0).text()
            for column, chosen in ((1, copy), (2, freeze)):
                self.layer_table.item(row, column).setCheckState(
                    Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)

    def _ask_labelled(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Labelled data (TSV/CSV, or tagged tokens)"), last_folder("corpus"),
                                              tr("Labelled text (*.tsv *.csv *.conll *.txt);;All files (*)"))
        if path:
            self.labelled_data_chosen.emit(path)

    # --- config ----------------------------------------------------------------------------
    def own_model_config(self) -> ModelConfig:
        """The architecture the user chose for scratch runs (kept while the form shows a source's)."""
        return self._own_model if self._own_model is not None else self.model_config()

    def model_config(self) -> ModelConfig:
        return ModelConfig(cell=self.cell_box.currentText(), emb_size=self.emb_spin.value(),
                           hidden_size=self.hidden_spin.value(), layers=self.layers_spin.value(),
                           tie_weights=self.tie_check.isChecked(),
                           **{name: spin.value() for name, spin in self.dropout_spins.items()})

    def _apply_model(self, config: TrainConfig) -> None:
        """The architecture into `config` (its vocabulary size stays): the form's own for scratch, else the
        source's, which the trainer takes, with the layer options the transfer type honours."""
        vocab = config.model.vocab_size
        if config.transfer == "scratch" or self.source is None:
            config.model = dataclasses.replace(self.own_model_config(), vocab_size=vocab)
            config.feature_layer = None
            return
        config.model = ModelConfig(vocab_size=vocab)
        self.target_layers.apply_to(config, self.source.model)

    def apply_to(self, config: TrainConfig) -> None:
        """Write source, transfer, architecture and optimiser into a run config (vocabulary stays the corpus's)."""
        transfer = self.transfer_box.currentText()
        config.source = self.source_ref()
        config.transfer = transfer
        if transfer == "partial":
            config.transfer_layers, config.freeze = self._checked_layers(1), self._checked_layers(2)
        self.more_sources.apply_to(config)
        self.mapping_box.apply_to(config)
        config.unfreeze_every = self.unfreeze_spin.value()
        config.discriminative_factor = self.factor_spin.value()
        self._apply_model(config)  # only the layer options the rule offers: none it refuses
        config.optimizer = self.optimizer_box.currentText()
        config.lr = None if self.lr_spin.value() == default_lr(config.transfer) else self.lr_spin.value()
        config.weight_decay = self.decay_spin.value()
        config.clip = self.clip_spin.value()
        config.schedule = self.schedule_box.currentText()
        config.warmup_steps = self.warmup_spin.value()
        config.average_from = self.average_spin.value() / 100 or None
        config.batch_size = self.batch_spin.value()
        config.bptt = self.bptt_spin.value()
        config.eval_every = self.eval_spin.value() or None
        config.seed = self.seed_spin.value()
        config.device = self.device_choice().device
        config.baseline = self.baseline_check.isChecked() and transfer != "scratch"

    # --- estimates -------------------------------------------------------------------------
    def set_corpus_estimate(self, tokens: int, vocab_size: int, new_tokenizer: bool = True) -> None:
        """The corpus preview's token count, vocabulary and tokenizer choice, for the parameter count, the
        time per epoch and the vocabulary a source's architecture gets."""
        self._train_tokens = tokens
        if vocab_size != self._vocab_size or new_tokenizer != self._new_tokenizer:
            self._vocab_size, self._new_tokenizer = vocab_size, new_tokenizer
            self._timer.start()
            self._on_transfer()
        self._show_estimate()

    def note_throughput(self, tokens_per_s: float, parameters: int) -> None:
        """A finished run's measured speed replaces the calibration, until the form describes another model."""
        if tokens_per_s > 0 and parameters > 0:
            self._speed = speed_from_throughput(tokens_per_s, parameters)
            self._show_estimate()

    def _estimate(self) -> None:
        self._counter.request(count_and_measure, self.target_model(), self.batch_spin.value(), self.bptt_spin.value())

    def _on_count(self, result: tuple[int, float]) -> None:
        self._parameters, self._speed = result
        self._show_estimate()

    def _show_estimate(self) -> None:
        if not self._parameters:
            return
        text = tr("<b>{count:,}</b> parameters").format(count=self._parameters)
        if self._train_tokens and self._speed:
            seconds = epoch_seconds(self._train_tokens, self._parameters, self._speed)
            text += tr(" · about <b>{time}</b> per epoch on this machine (rough estimate)").format(
                time=format_estimate(seconds))
        self.estimate_label.setText(text)

    def _show_error(self, message: str) -> None:
        self.message.show_message(message, "error")

    # --- persistence -----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        config = TrainConfig()
        self.apply_to(config)
        return {"source": self.source_ref(), "transfer": config.transfer, "baseline": self.baseline_check.isChecked(),
                "copy": self._checked_layers(1), "freeze": self._checked_layers(2),
                "device": self.device_box.currentData(), "config": config.to_dict(), "eval_schedule": 2}

    def set_state(self, state: dict[str, Any]) -> None:
        config = TrainConfig.from_dict(state.get("config") or {})
        if self._own_model is not None:
            self._own_model = config.model  # shown again when the run trains from scratch
        else:
            self._set_model_fields(config.model)
        self.optimizer_box.setCurrentText(config.optimizer)
        self.lr_spin.setValue(config.peak_lr)
        self.decay_spin.setValue(config.weight_decay)
        self.clip_spin.setValue(config.clip)
        self.warmup_spin.setValue(config.warmup_steps)
        self.average_spin.setValue(round((config.average_from or 0) * 100))
        self.batch_spin.setValue(config.batch_size)
        self.bptt_spin.setValue(config.bptt)
        # Settings saved before the "auto" schedule hold the old default, 500: they get auto, or a short run
        # would have one validation point and no transfer gain (#20's first defect) after an upgrade.
        old_default = "eval_schedule" not in state and config.eval_every == OLD_EVAL_DEFAULT
        self.eval_spin.setValue(0 if old_default else config.eval_every or 0)
        self.seed_spin.setValue(config.seed)
        self._select_device(str(state.get("device", config.device)))
        self.unfreeze_spin.setValue(config.unfreeze_every)
        self.factor_spin.setValue(config.discriminative_factor)
        self.baseline_check.setChecked(bool(state.get("baseline")))
        self._select(state.get("source"))
        self.transfer_box.setCurrentText(str(state.get("transfer", "scratch")))
        self.target_layers.set_from(config, self.source.model if self.source is not None else None)
        self.schedule_box.setCurrentText(config.schedule)
        self.set_layer_choice(list(state.get("copy", [])), list(state.get("freeze", [])))
        self.more_sources.set_chosen(config.extra_sources, config.multi_source, config.source_weights)
        self.mapping_box.set_from(config)


def _device_tip(choice: DeviceChoice) -> str:
    if choice.processes > 1:
        return (tr("Runs `rnnlm-studio train --nproc {n}` as a child process: {n} "
                   "processes, each with the batch size above (a global batch {n} times as large)").format(
            n=choice.processes))
    if choice.gpu is not None:
        return tr("Trains in a child process that sees only GPU {gpu}").format(gpu=choice.gpu)
    return tr("Trains inside this window's process") + (tr("; uses a CUDA GPU when there is one") if choice.device == "auto"
                                                     else "")

