"""A transfer target's layers, its own output layer and the layer feature transfer reads, as a user sets them
in the Model & Transfer panel: offered where core's rule lets them apply, shown live in the greyed form,
stored in the run they start, restored by "New run from these settings" and by the next session."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from rnnlm_studio.core.config import TRANSFERS, ModelConfig, TrainConfig
from rnnlm_studio.core.events import DoneEvent, LogEvent, StartEvent
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.train_options import train_argv
from rnnlm_studio.core.trainer import train
from rnnlm_studio.gui.model_panel import ModelPanel
from tests.e2e.test_train_argv import round_trip

from .conftest import TINY, tiny_config
from .test_job_journeys import collect, press_start
from .test_model_panel import panel  # noqa: F401  (the panel fixture)


@pytest.fixture(scope="module")
def deep_source(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    """A tiny 2-layer tied LSTM's model folder, outside any data folder (chosen with Browse…)."""
    home = tmp_path_factory.mktemp("deep-source-home")
    config = tiny_config(shakespeare_small, model=ModelConfig(**TINY, layers=2), max_steps=5, eval_every=5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(home))
        done = list(train(config))[-1]
    assert isinstance(done, DoneEvent), done
    return Path(done.best_checkpoint)


def browse_to(panel: ModelPanel, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Source model ▸ Browse for a model folder…, and the folder picked in the dialog."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *_args: str(folder)))
    index = panel.source_box.findData("browse")
    panel.source_box.setCurrentIndex(index)
    panel.source_box.activated.emit(index)
    assert panel.source_ref() == str(folder)


def enabled(panel: ModelPanel) -> dict[str, bool]:  # noqa: F811
    box = panel.target_layers
    return {"layers": box.layers_spin.isEnabled(), "hidden_size": box.hidden_spin.isEnabled(),
            "no_tie": box.untie_check.isEnabled(), "feature_layer": box.feature_spin.isEnabled()}


def test_each_option_is_offered_only_where_it_applies(panel: ModelPanel, deep_source: Path,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert not panel.target_layers.isVisibleTo(panel), "scratch: the Architecture form is the run's own"
    browse_to(panel, deep_source, monkeypatch)
    for transfer in TRANSFERS:
        panel.transfer_box.setCurrentText(transfer)
        assert panel.target_layers.isVisibleTo(panel) == (transfer != "scratch"), transfer
        if transfer == "scratch":
            continue
        moves = transfer not in ("feature", "task")
        assert enabled(panel) == {"layers": moves, "hidden_size": moves, "no_tie": moves,
                                  "feature_layer": transfer == "feature"}, transfer

    panel.transfer_box.setCurrentText("feature")
    spin = panel.target_layers.feature_spin
    assert (spin.minimum(), spin.maximum(), spin.value()) == (0, 1, 1), "the source's layers, the top one first"
    assert panel.layers_spin.value() == 2 and not panel.tie_check.isChecked()
    assert not any(arg.startswith("--feature-layer") for arg in argv_of(panel)), "the top one: the default"
    spin.setValue(0)
    assert panel.layers_spin.value() == 1, "the greyed form shows the layers up to the one read"
    argv = argv_of(panel)
    assert "--feature-layer=0" in argv and "--no-tie" not in argv and "--layers=1" in argv  # 1 = as the source
    panel.transfer_box.setCurrentText("parameter")
    assert "--feature-layer=0" not in argv_of(panel), "the layer read is feature transfer's alone"


def test_layers_added_on_top_cannot_be_copied_in_partial_transfer(panel: ModelPanel, deep_source: Path,  # noqa: F811
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    browse_to(panel, deep_source, monkeypatch)
    panel.transfer_box.setCurrentText("partial")
    panel.target_layers.layers_spin.setValue(3)
    table = panel.layer_table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["embedding", "rnn.0", "rnn.1", "rnn.2",
                                                                          "output"]
    assert not table.item(3, 1).flags() & table.item(0, 1).flags(), "rnn.2 is new: nothing to copy"
    panel.target_layers.layers_spin.setValue(2)
    assert table.rowCount() == 4
    config = TrainConfig(train=["/data/corpus.txt"])
    panel.apply_to(config)
    assert config.transfer_layers == ["embedding", "rnn.0", "rnn.1"]


def argv_of(panel: ModelPanel) -> list[str]:  # noqa: F811
    """What the window hands a child process; it must read back as the same choices."""
    config = TrainConfig(train=["/data/corpus.txt"])
    panel.apply_to(config)
    config.validate()
    argv = train_argv(config)
    again = round_trip(config)
    assert (again.model.layers, again.model.tie_weights, again.feature_layer) == \
        (config.model.layers, config.model.tie_weights, config.feature_layer)
    return argv


def _start_short_run(window, qtbot) -> tuple[StartEvent, list[str]]:  # noqa: ANN001
    """Start, wait for the end; the run's start and the messages the window shows of it."""
    events = collect(window)
    with qtbot.waitSignal(window.training_finished, timeout=120_000):
        press_start(qtbot, window)
    assert isinstance(events[-1], DoneEvent), events[-1]
    return next(e for e in events if isinstance(e, StartEvent)), [e.message for e in events if isinstance(e, LogEvent)]


def _stored(start: StartEvent) -> dict:
    return tomllib.loads((Path(start.run_dir) / "run.toml").read_text(encoding="utf-8"))


def test_a_deeper_untied_target_and_a_lower_feature_layer_reach_the_runs(make_window, qtbot, deep_source: Path,
                                                                         shakespeare_small: dict[str, Path],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    panel = window.model_panel
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    window.corpus_panel.add_paths([shakespeare_small["valid"]], role="valid")
    browse_to(panel, deep_source, monkeypatch)
    panel.transfer_box.setCurrentText("parameter")
    window.corpus_panel.reuse_radio.setChecked(True)
    panel.warmup_spin.setValue(2)
    window.training_panel.epochs_spin.setValue(0)
    window.training_panel.steps_spin.setValue(4)
    panel.target_layers.layers_spin.setValue(3)
    panel.target_layers.untie_check.setChecked(True)
    assert panel.layers_spin.value() == 3 and not panel.tie_check.isChecked(), "the greyed form follows at once"
    assert "3×64" in panel.arch_note.text()

    start, messages = _start_short_run(window, qtbot)
    stored = _stored(start)
    assert stored["model"]["layers"] == 3 and stored["model"]["tie_weights"] is False
    said = "\n".join(messages)
    assert "the recurrent layers (Model & Transfer panel) 3: the target has" in said, said
    assert "--layers" not in said and "--no-tie" not in said, said
    assert "feature_layer" not in stored

    panel.target_layers.layers_spin.setValue(2)
    panel.target_layers.untie_check.setChecked(False)
    hidden = panel.target_layers.hidden_spin
    assert hidden.value() == hidden.minimum() == 512 and hidden.text() == "as the source"
    hidden.stepUp()  # one step wider than the source (64 units) can be asked: 576
    assert panel.hidden_spin.value() == 576, "the greyed form follows at once"
    assert "grown from 64 to 576 units per layer: 2×576" in panel.arch_note.text()
    start, messages = _start_short_run(window, qtbot)
    assert _stored(start)["model"]["hidden_size"] == 576
    said = "\n".join(messages)
    assert "the hidden size (Model & Transfer panel) 576: the source's 64 units per layer are grown to 576" in said
    assert "--hidden-size" not in said, said
    hidden.setValue(hidden.minimum())

    panel.transfer_box.setCurrentText("feature")
    panel.target_layers.feature_spin.setValue(0)
    stored = _stored(_start_short_run(window, qtbot)[0])
    assert stored["transfer"] == "feature" and stored["feature_layer"] == 0 and stored["model"]["layers"] == 1

    window.close()  # the next session starts with the same choices
    again = make_window().model_panel
    assert again.transfer_box.currentText() == "feature" and again.target_layers.feature_spin.value() == 0


def test_new_run_from_a_stored_run_restores_its_layer_options(make_window, qtbot, deep_source: Path,
                                                              shakespeare_small: dict[str, Path]) -> None:
    """"New run from these settings" on a run that asked for 3 layers and its own output layer."""
    config = tiny_config(shakespeare_small, source=str(deep_source), transfer="ulmfit", tokenizer="source",
                         model=ModelConfig(layers=3, hidden_size=576, tie_weights=False), max_steps=2,
                         name="deeper")
    assert isinstance(list(train(config))[-1], DoneEvent)
    window = make_window()
    qtbot.waitUntil(lambda: len(window.runs_panel.records) == 1, timeout=10_000)
    record = next(iter(RunStore().list()))
    window.runs_panel.select_runs([record.id])
    next(a for a in window.runs_panel.context_menu().actions() if a.text() == "New run from these settings").trigger()
    box = window.model_panel.target_layers
    assert window.model_panel.transfer_box.currentText() == "ulmfit"
    assert box.layers_spin.value() == 3 and box.untie_check.isChecked() and box.hidden_spin.value() == 576
    assert window.model_panel.layers_spin.value() == 3
