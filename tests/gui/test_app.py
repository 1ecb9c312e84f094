"""The main window: first start, docks and actions, settings across a restart, errors in place."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from rnnlm_studio import __version__
from rnnlm_studio.core.checkpoint import list_models
from rnnlm_studio.core.paths import sample_corpus
from rnnlm_studio.gui.app import MainWindow, run_gui, training_threads
from rnnlm_studio.gui.model_panel import DEFAULT_SOURCE

from .conftest import set_tiny_model


def test_first_start_preselects_sample_corpus_and_default_source(make_window, qtbot, artifacts: Path) -> None:
    window = make_window()
    assert window.windowTitle() == "RNNLM Studio"
    assert {d.windowTitle().replace("&&", "&") for d in window.docks.values()} == {"Corpus", "Model & Transfer", "Training", "Runs",
                                                                "Playground", "Studies"}
    assert window.corpus_panel.entries() == [(str(sample_corpus().resolve()), "train")]
    default = next((str(m.path) for m in list_models() if m.name == DEFAULT_SOURCE), None)
    assert window.model_panel.source_ref() == default
    assert window.model_panel.transfer_box.currentText() == ("parameter" if default else "scratch")
    assert window.start_action.isEnabled() and not window.pause_action.isEnabled()
    assert window.runs_panel.empty_label.isVisible()
    config = window.build_config()
    assert config.train == [str(sample_corpus().resolve())] and config.threads == training_threads()
    qtbot.waitUntil(lambda: window.corpus_panel.preview is not None, timeout=60_000)
    window.grab().save(str(artifacts / "window-empty.png"))


def test_actions_have_shortcuts_and_live_in_toolbar_and_menu(make_window) -> None:
    window = make_window()
    assert window.start_action.shortcut() == QKeySequence("F5")
    assert window.pause_action.shortcut() == QKeySequence("F6")
    assert window.stop_action.shortcut() == QKeySequence("Shift+F5")
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    assert window.start_action in menus["&Training"].actions()
    assert window.toolbar.widgetForAction(window.stop_action) is not None


def test_settings_survive_a_restart(make_window, qtbot, shakespeare_small: dict[str, Path],
                                    isolated_settings: Path) -> None:
    first = make_window()
    first.corpus_panel.set_train_paths([shakespeare_small["train"]])
    first.corpus_panel.add_paths([shakespeare_small["test"]], role="test")
    first.corpus_panel.kind_box.setCurrentText("bpe")
    first.corpus_panel.vocab_spin.setValue(700)
    first.corpus_panel.valid_percent.setValue(8.0)
    first.model_panel.hidden_spin.setValue(128)
    first.model_panel.lr_spin.setValue(0.002)
    first.model_panel.baseline_check.setChecked(True)
    first.training_panel.steps_spin.setValue(250)
    first.training_panel.plots.smoothing_slider.setValue(85)
    first.training_panel.plots.x_axis_box.setCurrentIndex(2)
    first.runs_panel.filter_edit.setText("shakes")
    first.resize(1234, 812)
    first.docks["runs"].hide()
    size, expected = first.size(), first.build_config()
    first.close()
    assert list(isolated_settings.rglob("*.ini"))

    second = make_window()
    assert second.size() == size
    assert not second.docks["runs"].isVisible() and second.docks["training"].isVisible()
    assert second.build_config() == expected
    assert second.corpus_panel.entries() == [(str(shakespeare_small["train"].resolve()), "train"),
                                             (str(shakespeare_small["test"].resolve()), "test")]
    assert second.training_panel.plots.smoothing_slider.value() == 85
    assert second.training_panel.plots.x_axis_box.currentIndex() == 2
    assert second.runs_panel.filter_edit.text() == "shakes"


def test_bad_settings_fall_back_to_defaults(make_window) -> None:
    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "RNNLM Studio", "rnnlm-studio")
    settings.setValue("panels/model", "{not json")
    settings.setValue("window/geometry", "garbage")
    settings.sync()
    window = make_window()
    assert window.model_panel.transfer_box.currentText() in ("scratch", "parameter")
    assert window.width() > 0


def test_a_setting_error_shows_in_the_training_panel_in_the_window_s_words(make_window, qtbot) -> None:
    """One message naming the problem and the fix, in the panel, without a dialog, and never a command-line
    option (issue #20: "pass --train FILE_OR_FOLDER")."""
    window = make_window()
    window.corpus_panel.table.selectAll()
    qtbot.mouseClick(window.corpus_panel.remove_button, Qt.MouseButton.LeftButton)
    assert window.corpus_panel.entries() == []
    qtbot.mouseClick(window.toolbar.widgetForAction(window.start_action), Qt.MouseButton.LeftButton)
    assert window.job is None
    message = window.training_panel.message.text()
    assert window.training_panel.message.isVisible() and "no training text" in message
    assert "Corpus panel" in message and "--" not in message


def test_with_every_budget_off_a_run_trains_one_epoch(make_window, qtbot, shakespeare_small) -> None:
    """As on the command line and in the Python API (TrainConfig.fill_budget), not a refusal."""
    window = make_window()
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    set_tiny_model(window, steps=0)
    assert window.training_panel.epochs_spin.text() == window.training_panel.steps_spin.text() == "off"
    assert window.training_panel.time_spin.text() == "off"
    assert window.build_config().epochs == 1.0
    with qtbot.waitSignal(window.training_finished, timeout=120_000):
        qtbot.mouseClick(window.toolbar.widgetForAction(window.start_action), Qt.MouseButton.LeftButton)
    assert window.training_panel.status == "done" and window.training_panel.message.level != "error"
    assert "(epoch 1)" in window.training_panel.numbers["step"].text()


def test_view_menu_lists_each_panel_once_and_about_shows_the_version(make_window, monkeypatch) -> None:
    window = make_window()
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    entries = [action.text() for action in menus["&View"].actions() if action.text()]
    assert len(entries) == len(set(entries)) and "Toolbar" in entries
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _parent, _title, text: shown.append(text)))
    next(a for a in menus["&Help"].actions() if a.text().startswith("About")).trigger()
    assert __version__ in shown[0]


def test_missing_corpus_file_is_reported_in_the_corpus_panel(make_window, qtbot, tmp_path: Path) -> None:
    window = make_window()
    gone = tmp_path / "gone.txt"
    window.corpus_panel.add_paths([gone])
    qtbot.waitUntil(lambda: "no such file" in window.corpus_panel.message.text(), timeout=10_000)
    assert str(sample_corpus().resolve()) in [path for path, _role in window.corpus_panel.entries()]
    assert str(gone) not in [path for path, _role in window.corpus_panel.entries()]


def test_run_gui_returns_the_event_loop_exit_code(qtbot, monkeypatch) -> None:
    shown: list[MainWindow] = []
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))
    monkeypatch.setattr("PySide6.QtWidgets.QApplication.exec", staticmethod(lambda: 0))
    assert run_gui([]) == 0
    assert len(shown) == 1 and shown[0].windowTitle() == "RNNLM Studio"
    shown[0].close()


def test_the_window_paints_first_and_builds_its_panels_after(qtbot) -> None:
    """Issue #20 start-up: the frame shows at once, each dock says it is getting ready, and Start waits
    for the panels (tests/bench/startup.py measures the time)."""
    window = MainWindow(deferred=True)
    qtbot.addWidget(window)
    assert not window.ready and not window.start_action.isEnabled()
    assert all(dock.widget().text() == "Getting ready…" for dock in window.docks.values())
    with qtbot.waitSignal(window.panels_ready, timeout=120_000):
        window.show()
    assert window.ready and window.start_action.isEnabled()
    assert window.docks["training"].widget() is window.training_panel
    assert window.corpus_panel.entries() == [(str(sample_corpus().resolve()), "train")]
    qtbot.waitUntil(lambda: window.corpus_panel.preview is not None, timeout=60_000)
    window.close()
