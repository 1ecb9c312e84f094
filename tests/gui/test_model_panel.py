"""The Model & Transfer panel: sources, cards, transfer options, the form and its estimates."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.gui.model_panel import TRANSFER_HELP, ModelPanel


@pytest.fixture
def panel(qtbot) -> ModelPanel:
    widget = ModelPanel()
    qtbot.addWidget(widget)
    widget.resize(450, 900)
    widget.show()
    return widget


def test_without_a_source_only_scratch_is_offered(panel: ModelPanel) -> None:
    assert panel.source_ref() is None
    model = panel.transfer_box.model()
    enabled = [panel.transfer_box.itemText(i) for i in range(model.rowCount()) if model.item(i).isEnabled()]
    assert enabled == ["scratch"]
    assert panel.transfer_help.text().startswith(TRANSFER_HELP["scratch"])
    assert panel.emb_spin.isEnabled()


def test_defaults_come_from_the_config_dataclasses(panel: ModelPanel) -> None:
    config = TrainConfig()
    panel.apply_to(config)
    defaults = TrainConfig()
    assert config.model == defaults.model
    for name in ("optimizer", "lr", "weight_decay", "clip", "schedule", "warmup_steps", "batch_size", "bptt",
                 "eval_every", "seed", "device"):
        assert getattr(config, name) == pytest.approx(getattr(defaults, name)), name


def test_parameter_count_matches_the_model(panel: ModelPanel, qtbot) -> None:
    panel.set_corpus_estimate(50_000, 500)
    panel.hidden_spin.setValue(96)
    panel.emb_spin.setValue(48)
    expected = RNNLM(ModelConfig(emb_size=48, hidden_size=96, vocab_size=500)).num_parameters()
    qtbot.waitUntil(lambda: f"{expected:,}" in panel.estimate_label.text(), timeout=20_000)
    assert "per epoch" in panel.estimate_label.text()


def test_a_finished_run_is_a_source_with_its_card_and_layers(panel: ModelPanel, qtbot, runs_home: Path) -> None:
    panel.refresh_sources()
    record = next(r for r in RunStore().list() if r.name == "source-scratch")
    index = panel.source_box.findData(str(record.run_dir))
    assert index > 0
    with qtbot.waitSignal(panel.source_changed) as signal:
        panel.source_box.setCurrentIndex(index)
        panel.source_box.activated.emit(index)
    assert signal.args == [str(record.run_dir)]
    assert "LSTM" in panel.card_view.toPlainText()
    panel.transfer_box.setCurrentText("partial")
    assert panel.layer_table.isVisibleTo(panel)
    assert [panel.layer_table.item(r, 0).text() for r in range(panel.layer_table.rowCount())] == \
        ["embedding", "rnn.0", "output"]
    assert not panel.emb_spin.isEnabled() and "Taken from the source model" in panel.arch_note.text()
    panel.set_layer_choice(copy=["embedding", "rnn.0"], freeze=["embedding"])
    config = TrainConfig()
    panel.apply_to(config)
    assert (config.source, config.transfer) == (str(record.run_dir), "partial")
    assert config.transfer_layers == ["embedding", "rnn.0"] and config.freeze == ["embedding"]
    panel.transfer_box.setCurrentText("ulmfit")
    assert panel.ulmfit_box.isVisibleTo(panel) and panel.schedule_box.currentText() == "slanted"
    panel.factor_spin.setValue(3.0)
    panel.apply_to(config)
    assert config.discriminative_factor == 3.0 and config.schedule == "slanted"


def test_task_transfer_asks_for_labelled_data(panel: ModelPanel, qtbot, runs_home: Path, monkeypatch) -> None:
    panel.refresh_sources()
    panel.set_source(str(next(iter(RunStore().list())).run_dir))
    panel.transfer_box.setCurrentText("task")
    assert panel.task_box.isVisibleTo(panel) and not panel.layer_table.isVisibleTo(panel)
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName",
                        staticmethod(lambda *_args: ("/data/labels.tsv", "")))
    with qtbot.waitSignal(panel.labelled_data_chosen) as signal:
        qtbot.mouseClick(panel.labelled_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["/data/labels.tsv"]


def test_a_broken_source_is_reported_in_the_panel(panel: ModelPanel, tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    panel.set_source(str(folder))
    assert panel.source_ref() is None
    assert "not-a-model" in panel.message.text() and panel.message.level == "error"


def test_state_round_trip(panel: ModelPanel, qtbot) -> None:
    panel.cell_box.setCurrentText("gru")
    panel.layers_spin.setValue(2)
    panel.batch_spin.setValue(8)
    state = panel.state()
    other = ModelPanel()
    qtbot.addWidget(other)
    other.set_state(state)
    assert other.state()["config"] == state["config"]
