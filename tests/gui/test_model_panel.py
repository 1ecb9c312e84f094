"""The Model & Transfer panel: sources, cards, transfer options, the form and its estimates."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QScrollArea

from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.gui.model_panel import TRANSFER_HELP, ModelPanel

TOOLTIP = Qt.ItemDataRole.ToolTipRole


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
                 "average_from", "eval_every", "seed", "device"):
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
    panel.average_spin.setValue(50)
    state = panel.state()
    assert state["config"]["average_from"] == 0.5
    other = ModelPanel()
    qtbot.addWidget(other)
    other.set_state(state)
    assert other.state()["config"] == state["config"]
    assert other.average_spin.text() == "50 %"


def test_device_list_offers_what_this_machine_can_run(panel: ModelPanel) -> None:
    box, gpus = panel.device_box, torch.cuda.device_count()
    entries = {box.itemData(i): (box.itemText(i), box.model().item(i).isEnabled(), box.itemData(i, TOOLTIP))
               for i in range(box.count())}
    assert entries["cpu"][:2] == ("CPU", True)
    assert entries["cpu:2"][:2] == ("CPU, 2 processes (torchrun)", (os.cpu_count() or 1) >= 2)
    assert entries["cuda:all"][1] == (gpus >= 2)
    if gpus < 2:
        assert "needs two or more CUDA GPUs" in entries["cuda:all"][2]
    if not gpus:
        assert not entries["cuda:0"][1] and "no CUDA GPU" in entries["cuda:0"][2]
    assert [key for key in entries if key.startswith("cuda:") and key != "cuda:all"] == \
        [f"cuda:{i}" for i in range(max(gpus, 1))]


def test_device_choice_maps_onto_config_processes_and_child_environment(panel: ModelPanel, qtbot) -> None:
    panel.device_box.setCurrentIndex(panel.device_box.findData("cpu:2"))
    config = TrainConfig()
    panel.apply_to(config)
    assert (config.device, panel.processes()) == ("cpu", 2)
    assert not panel.device_choice().in_process and panel.device_choice().child_env() == {"CUDA_VISIBLE_DEVICES": ""}
    other = ModelPanel()
    qtbot.addWidget(other)
    other.set_state(panel.state())
    assert other.device_choice().key == "cpu:2" and other.processes() == 2
    other.set_state({**panel.state(), "device": "cuda:7"})  # a GPU this machine does not have
    assert other.device_choice().key == ("cuda:7" if torch.cuda.device_count() > 7 else "auto")
    assert other.device_choice().in_process or torch.cuda.device_count() > 7


def test_device_list_is_not_clipped(panel: ModelPanel, qtbot, artifacts: Path) -> None:
    box = panel.device_box
    panel.findChild(QScrollArea).ensureWidgetVisible(box)
    box.setCurrentIndex(box.findData("cpu:2"))
    qtbot.wait(50)
    assert box.width() >= box.sizeHint().width() and box.visibleRegion().boundingRect().width() == box.width()
    panel.grab().save(str(artifacts / "model-panel-devices.png"))
    box.showPopup()
    popup = box.view()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    assert popup.width() >= max(popup.sizeHintForColumn(0), 1)
    popup.window().grab().save(str(artifacts / "model-panel-devices-open.png"))
    box.hidePopup()


def test_a_source_shows_its_own_architecture_and_the_count_follows_the_tokenizer(make_window, qtbot) -> None:
    """Issue #20, defect 3: the greyed fields show the source's architecture and dropouts, not the scratch
    defaults, and the parameter count and vocabulary follow "train a new tokenizer"."""
    window = make_window()
    panel, corpus = window.model_panel, window.corpus_panel
    if panel.source is None:
        pytest.skip("the bundled default source is not installed")
    described = json.loads((panel.source.folder / "config.json").read_text(encoding="utf-8"))["model"]
    assert not panel.hidden_spin.isEnabled()
    shown = {"emb_size": panel.emb_spin.value(), "hidden_size": panel.hidden_spin.value(),
             "layers": panel.layers_spin.value(), **{name: spin.value() for name, spin in panel.dropout_spins.items()}}
    assert shown == pytest.approx({key: described[key] for key in shown})

    _click_label(qtbot, corpus.reuse_radio)
    qtbot.waitUntil(lambda: corpus.preview is not None and not corpus.preview.new_tokenizer, timeout=60_000)
    source_count = RNNLM(ModelConfig(**{**described, "vocab_size": described["vocab_size"]})).num_parameters()
    qtbot.waitUntil(lambda: f"{source_count:,}" in panel.estimate_label.text(), timeout=30_000)
    assert f"vocabulary of {described['vocab_size']:,}" in panel.arch_note.text()

    _click_label(qtbot, corpus.new_radio)
    qtbot.waitUntil(lambda: corpus.preview is not None and corpus.preview.new_tokenizer, timeout=60_000)
    new_vocab = corpus.preview.vocab_size
    assert new_vocab != described["vocab_size"]
    new_count = RNNLM(ModelConfig(**{**described, "vocab_size": new_vocab})).num_parameters()
    qtbot.waitUntil(lambda: f"{new_count:,}" in panel.estimate_label.text(), timeout=30_000)
    assert f"new vocabulary of {new_vocab:,}" in panel.arch_note.text()

    panel.transfer_box.setCurrentText("scratch")  # the user's own architecture comes back
    assert panel.hidden_spin.isEnabled() and panel.hidden_spin.value() == ModelConfig().hidden_size


def _click_label(qtbot, button) -> None:  # noqa: ANN001
    """A radio button takes clicks on its circle and text only, not on the empty width beside them."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def test_leaving_ulmfit_gives_back_the_schedule_and_a_restart_keeps_it(make_window, qtbot, runs_home: Path) -> None:
    """Issue #20: the LR schedule stayed "slanted" after leaving ulmfit, and came back so after a restart."""
    window = make_window()
    panel = window.model_panel
    panel.refresh_sources()
    panel.set_source(str(next(r for r in RunStore().list() if r.name == "source-scratch").run_dir))
    panel.transfer_box.setCurrentText("parameter")
    panel.schedule_box.setCurrentText("constant")
    panel.transfer_box.setCurrentText("ulmfit")
    assert panel.schedule_box.currentText() == "slanted"
    panel.transfer_box.setCurrentText("parameter")
    assert panel.schedule_box.currentText() == "constant"
    window.close()
    again = make_window()
    assert again.model_panel.transfer_box.currentText() == "parameter"
    assert again.model_panel.schedule_box.currentText() == "constant"
    assert again.build_config().schedule == "constant"


def test_settings_saved_with_the_old_evaluation_default_get_the_auto_schedule(panel: ModelPanel) -> None:
    """An upgrade must not keep "every 500 steps" (one point per short run, so no gain) where the user never
    chose it; a value saved by this version, 500 included, is kept."""
    old = {"transfer": "scratch", "config": {**TrainConfig(eval_every=500).to_dict()}}
    panel.set_state(old)
    assert panel.eval_spin.value() == 0 and panel.eval_spin.text() == "auto"
    panel.eval_spin.setValue(500)
    panel.set_state(panel.state())
    assert panel.eval_spin.value() == 500
