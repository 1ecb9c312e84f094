"""The Model panel's layer options for a run with a source: depth, width, untying, the layer feature reads.

The command line's `--layers N`, `--hidden-size N`, `--no-tie` and `--feature-layer N` as window
controls, placed by the Model & Transfer panel (model_panel.py) under the transfer type. Which of
them a transfer type honours is core's rule (`core.config.layer_options`, beside the refusals): a
control the rule does not offer is disabled and writes nothing, so what reaches Start always passes
`check_layer_options`. The greyed Architecture form below shows what the trainer builds from them.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QSpinBox, QWidget

from ..core.config import MODEL_DEFAULTS, ModelConfig, TrainConfig, asked_hidden, layer_options
from .i18n import translator

tr = translator("TargetLayers")
MAX_LAYERS = 8  # as the Architecture form offers
MAX_HIDDEN, HIDDEN_STEP = 8192, 64  # as the Architecture form offers


class TargetLayersBox(QWidget):
    """Layers and width (their lowest values, shown as "as the source", keep the source's), an own output
    layer, and the source layer feature transfer reads (the top one unless the user picks a lower one).
    Width only grows: the lowest value is the source's size or core's default, whichever is larger, since
    core reads the default as "not asked"."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers_spin = QSpinBox()
        self.layers_spin.setRange(MODEL_DEFAULTS.layers, MAX_LAYERS)
        self.layers_spin.setSpecialValueText(tr("as the source"))  # core reads the default as "not asked"
        self.layers_spin.setToolTip(tr("Recurrent layers of the new model: fewer keeps the source's bottom ones, "
                                       "more adds layers with random weights on top. Not for feature transfer "
                                       "(choose the layer it reads) nor task transfer"))
        self.hidden_spin = QSpinBox()
        self.hidden_spin.setRange(MODEL_DEFAULTS.hidden_size, MAX_HIDDEN)
        self.hidden_spin.setSingleStep(HIDDEN_STEP)
        self.hidden_spin.setSpecialValueText(tr("as the source"))
        self.hidden_spin.setToolTip(tr("Units per recurrent layer of the new model: more grows the source wider. "
                                       "The source's units keep their weights and the new ones start unread, so the "
                                       "new model starts out predicting exactly what the source does, with room to "
                                       "learn more. Costs time per step. Not for feature nor task transfer"))
        self.untie_check = QCheckBox(tr("Own output layer (untied from the embedding)"))
        self.untie_check.setToolTip(tr("The output matrix becomes separate from the embedding: copied from the "
                                       "source, or newly initialised when the output layer is not copied. Only for a "
                                       "source with tied embeddings, not for feature or task transfer"))
        self.feature_spin = QSpinBox()
        self.feature_spin.setRange(0, 0)
        self.feature_spin.setToolTip(tr("Feature transfer only: the source layer whose states the new output layer "
                                        "learns from (0 = the lowest; the top one unless you choose another). The "
                                        "layers above it are left out"))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Recurrent layers"), self.layers_spin)
        form.addRow(tr("Hidden size"), self.hidden_spin)
        form.addRow(self.untie_check)
        form.addRow(tr("Source layer read"), self.feature_spin)
        self.layers_spin.valueChanged.connect(self.changed)
        self.hidden_spin.valueChanged.connect(self.changed)
        self.untie_check.toggled.connect(self.changed)
        self.feature_spin.valueChanged.connect(self.changed)

    def follow(self, transfer: str, source: ModelConfig | None) -> None:
        """Enable what `transfer` from `source` honours; the layer read stays the top one while it was."""
        offered = layer_options(transfer, source)
        self.layers_spin.setEnabled("layers" in offered)
        self.hidden_spin.setEnabled("hidden_size" in offered)
        self.untie_check.setEnabled("no_tie" in offered)
        self.feature_spin.setEnabled("feature_layer" in offered)
        if source is not None:
            self.hidden_spin.setMinimum(max(source.hidden_size, MODEL_DEFAULTS.hidden_size))
            top = self.feature_spin.value() == self.feature_spin.maximum()
            self.feature_spin.setMaximum(source.layers - 1)
            if top:
                self.feature_spin.setValue(source.layers - 1)

    def apply_to(self, config: TrainConfig, source: ModelConfig) -> None:
        """The options the transfer honours into `config` (its model holds the defaults: "as the source")."""
        offered = layer_options(config.transfer, source)
        if "layers" in offered:
            config.model.layers = self.layers_spin.value()
        if "hidden_size" in offered and self.hidden_spin.value() > self.hidden_spin.minimum():
            config.model.hidden_size = self.hidden_spin.value()
        if "no_tie" in offered:
            config.model.tie_weights = not self.untie_check.isChecked()
        lower = self.feature_spin.value() < self.feature_spin.maximum()  # the top one is the default, unasked
        config.feature_layer = self.feature_spin.value() if "feature_layer" in offered and lower else None

    def set_from(self, config: TrainConfig, source: ModelConfig | None) -> None:
        """A saved or stored run's choices, once its source and transfer are chosen (a scratch run's own
        architecture is no choice about a source's)."""
        with_source = source is not None and config.transfer != "scratch"
        offered = layer_options(config.transfer, source) if with_source else frozenset()
        self.layers_spin.setValue(config.model.layers if "layers" in offered else MODEL_DEFAULTS.layers)
        grown = "hidden_size" in offered and asked_hidden(config, source)
        self.hidden_spin.setValue(config.model.hidden_size if grown else self.hidden_spin.minimum())
        self.untie_check.setChecked("no_tie" in offered and not config.model.tie_weights)
        read = config.feature_layer
        self.feature_spin.setValue(self.feature_spin.maximum() if read is None else read)
