"""GUI fixtures: settings in a temp INI file, tiny runs, windows that never outlive their training.

Everything trains tiny models (embedding 32, hidden 64, 300 pieces) on a 60 KB cut of
tiny-shakespeare so the whole GUI suite stays well inside its time budget on 2 cores.
"""
from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool

from rnnlm_studio.core.baseline import train_with_baseline
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.events import DoneEvent
from rnnlm_studio.core.trainer import train

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TINY = {"emb_size": 32, "hidden_size": 64, "vocab_size": 300}


def _desktop_sized_screen() -> None:
    """Qt's offscreen screen is 800x800 and clamps restored geometry to it; give it a desktop's size
    (before pytest-qt creates the application)."""
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return
    config = Path(tempfile.mkdtemp(prefix="qt-screen-")) / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "virtual", "x": 0, "y": 0, "width": 1920, "height": 1080,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


_desktop_sized_screen()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[Path]:
    """Every test reads and writes its own settings file, never the user's."""
    folder = tmp_path / "settings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    assert QThreadPool.globalInstance().waitForDone(60_000), "a background task was still running after the test"
    gc.collect()  # this test's closed windows go now, on this thread (see gui/collector.py)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-cache")


def _link_cache(home: Path, cache: Path) -> None:
    if not (home / "cache").exists():
        (home / "cache").symlink_to(cache, target_is_directory=True)


@pytest.fixture(autouse=True)
def share_tokenizer_cache(studio_home: Path, shared_cache: Path) -> None:
    """Tokenizers are cached by content hash, so tests may share them: every window trains the sample
    corpus's tokenizer for its preview, and once is enough."""
    _link_cache(studio_home, shared_cache)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def tiny_config(data: dict[str, Path], **overrides: object) -> TrainConfig:
    config = TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), test=str(data["test"]),
                         model=ModelConfig(**TINY), max_steps=30, eval_every=10, threads=1, warmup_steps=5)
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def _last(events: Iterator) -> DoneEvent:
    done = [event for event in events if isinstance(event, DoneEvent)]
    assert done, "a fixture run did not finish"
    return done[-1]


@pytest.fixture(scope="session")
def runs_template(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    """A data folder holding finished runs: a scratch run, and a parameter transfer from it with its baseline."""
    home = tmp_path_factory.mktemp("runs-template")
    previous = os.environ.get("RNNLM_STUDIO_HOME")
    os.environ["RNNLM_STUDIO_HOME"] = str(home)
    try:
        source = _last(train(tiny_config(shakespeare_small, name="source-scratch")))
        _last(train_with_baseline(tiny_config(shakespeare_small, name="shakespeare-parameter",
                                              source=source.run_dir, transfer="parameter", baseline=True,
                                              tokenizer="source")))
    finally:
        if previous is None:
            os.environ.pop("RNNLM_STUDIO_HOME", None)
        else:
            os.environ["RNNLM_STUDIO_HOME"] = previous
    return home


@pytest.fixture
def runs_home(runs_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> Path:
    """A private copy of the finished runs (run folders are stored relative to the data folder)."""
    home = tmp_path / "home"
    shutil.copytree(runs_template, home, ignore=shutil.ignore_patterns("cache"))
    _link_cache(home, shared_cache)
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(home))
    return home


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[[], "MainWindow"]]:  # noqa: F821
    """Main windows that are stopped, waited for and closed at the end of the test."""
    from rnnlm_studio.gui.app import MainWindow

    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.job is not None:
            window.job.resume()
            window.job.stop()
            qtbot.waitUntil(lambda w=window: w.job is None, timeout=60_000)
        if window.ready and window.studies_panel.running:  # else closing would ask, and wait for an answer
            window.studies_panel.stop()
            qtbot.waitUntil(lambda w=window: not w.studies_panel.running, timeout=60_000)
        window.close()


def set_tiny_model(window, steps: int = 30, eval_every: int = 10) -> None:  # noqa: ANN001
    """What a user types into the forms for a quick run: from scratch (the bundled default source
    would bring its own, much larger architecture), with a tiny model."""
    window.model_panel.transfer_box.setCurrentText("scratch")
    window.corpus_panel.vocab_spin.setValue(TINY["vocab_size"])
    window.model_panel.emb_spin.setValue(TINY["emb_size"])
    window.model_panel.hidden_spin.setValue(TINY["hidden_size"])
    window.model_panel.eval_spin.setValue(eval_every)
    window.model_panel.warmup_spin.setValue(5)
    window.training_panel.epochs_spin.setValue(0)
    window.training_panel.steps_spin.setValue(steps)
