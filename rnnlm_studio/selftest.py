"""`rnnlm-studio --self-test`: prove an installed package or a frozen build works end to end.

A wheel or a PyInstaller folder can import fine and still be broken: resources left out, a Qt
plugin missing, a lazily imported module not collected. So the self-test does what a user does
first: it opens the real main window (offscreen unless a display platform is chosen), presses
Start on a tiny scratch run over the bundled sample corpus, lets the real training thread finish,
waits for the Playground to load the result and samples a few tokens from it. Everything it
writes (runs, settings) goes to a temporary folder unless `$RNNLM_STUDIO_HOME` says otherwise,
so it never touches a user's data.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .core import paths

STEPS = 20
TOKENS = 10
PROMPT = "ROMEO:"
TRAIN_TIMEOUT_S = 600  # the final evaluation covers the whole sample split: slow on a weak CPU
LOAD_TIMEOUT_S = 60


class SelfTestError(Exception):
    """One step of the self-test failed; the message says which and why."""


@dataclass
class Report:
    resources: Path
    data: Path | None  # None: a temporary folder, already removed
    bundled_models: list[str]
    steps: int
    valid: dict[str, float]
    tokens_per_s: float
    sample: str
    tokens: int

    def lines(self, seconds: float) -> list[str]:
        models = ", ".join(self.bundled_models) or "none"
        return [f"rnnlm-studio {__version__} self-test: OK ({seconds:.1f} s)",
                f"  resources       {self.resources}",
                f"  bundled models  {models}",
                f"  qt platform     {_qt_platform()}",
                f"  data folder     {self.data or 'temporary (removed)'}",
                f"  training        {self.steps} steps, {self.tokens_per_s:,.0f} tokens/s, "
                f"valid bits per byte {self.valid.get('bpb', float('nan')):.3f}",
                f"  generated       {self.tokens} tokens: {PROMPT}{self.sample!r}"]


def run_self_test(out: TextIO | None = None, err: TextIO | None = None) -> int:
    """0 and a short report when everything worked; 1 and one line naming the failure otherwise.

    Meant to be the whole life of a process: it points Qt's settings at a temporary folder for good.
    """
    out, err = out or sys.stdout, err or sys.stderr
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    try:
        with _private_home() as (scratch, data):
            report = _drive_window(scratch, data)
    except SelfTestError as exc:
        print(f"self-test failed: {exc}", file=err)
        return 1
    except Exception as exc:  # e.g. a module a frozen build left out: still one line, naming it
        print(f"self-test failed: {type(exc).__name__}: {exc}", file=err)
        return 1
    print("\n".join(report.lines(time.perf_counter() - started)), file=out)
    return 0


@contextmanager
def _private_home() -> Iterator[tuple[Path, Path | None]]:
    """A temporary folder for settings, and for data too unless the user chose a data folder
    (then that folder is yielded beside it; None means the data is temporary)."""
    with tempfile.TemporaryDirectory(prefix="rnnlm-studio-selftest-") as tmp:
        previous = os.environ.get(paths.HOME_ENV)
        if previous is None:
            os.environ[paths.HOME_ENV] = str(Path(tmp) / "home")
        try:
            yield Path(tmp), paths.data_home() if previous is not None else None
        finally:
            if previous is None:
                os.environ.pop(paths.HOME_ENV, None)


def _drive_window(scratch: Path, data: Path | None) -> Report:
    """Open the window, run the checks, and always end the run and close the window afterwards."""
    corpus = paths.sample_corpus()
    if not corpus.is_file():
        raise SelfTestError(f"the sample corpus is missing ({corpus}): the package was built without resources/")

    from PySide6.QtCore import QSettings, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from .gui.app import MainWindow
    from .gui.widgets import APPLICATION, ORGANIZATION
    from .gui.workers import wait_for_tasks

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "settings"))
    previous_handler = qInstallMessageHandler(_quiet_offscreen)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    window = MainWindow()
    window.show()
    try:
        return _train_and_sample(app, window, corpus, data)
    finally:
        if window.job is not None:
            window.job.stop()
            wait_until(app, lambda: window.job is None, LOAD_TIMEOUT_S, "the run stopping")
        window.playground.shutdown()
        window.close()
        wait_for_tasks()
        qInstallMessageHandler(previous_handler)


def _train_and_sample(app: Any, window: Any, corpus: Path, data: Path | None) -> Report:
    from .core.checkpoint import list_models
    from .core.events import DoneEvent, ErrorEvent
    from .core.sampling import SamplingOptions, generate

    if window.windowIcon().pixmap(32).isNull():
        raise SelfTestError("the window icon did not load: resources/icons or Qt's SVG plugin is missing")
    set_quick_run(window, corpus, STEPS)
    events: list[Any] = []
    window.training_event.connect(events.append)
    window.start_action.trigger()
    if window.job is None:
        raise SelfTestError(f"Start did not start a run: {window.training_panel.message.text() or 'no reason shown'}")
    wait_until(app, lambda: window.job is None, TRAIN_TIMEOUT_S, f"training {STEPS} steps")
    failure = next((e for e in events if isinstance(e, ErrorEvent)), None)
    if failure is not None:
        raise SelfTestError(f"training failed: {failure.message}")
    done = next((e for e in events if isinstance(e, DoneEvent)), None)
    if done is None or done.step != STEPS:
        raise SelfTestError(f"training ended without finishing {STEPS} steps ({done!r})")
    wait_until(app, lambda: window.playground.loaded is not None, LOAD_TIMEOUT_S, "the Playground loading the model")
    pieces = list(generate(window.playground.loaded, PROMPT, SamplingOptions(max_tokens=TOKENS, seed=0)))
    if not pieces:
        raise SelfTestError("the trained model generated nothing")
    return Report(resources=paths.resources_dir(), data=data,
                  bundled_models=[m.name for m in list_models() if m.origin == "bundled"], steps=done.step,
                  valid=done.valid or {}, tokens_per_s=done.tokens_per_s, sample="".join(pieces), tokens=len(pieces))


def set_quick_run(window: Any, corpus: Path, steps: int, evals: int = 2, vocab_size: int = 300, emb_size: int = 32,
                  hidden_size: int = 64) -> None:
    """What a user would set in the forms for a quick real run: scratch, small, a fixed step budget."""
    window.model_panel.set_source(None)
    window.model_panel.transfer_box.setCurrentText("scratch")
    window.corpus_panel.set_train_paths([corpus])
    window.corpus_panel.vocab_spin.setValue(vocab_size)
    window.model_panel.emb_spin.setValue(emb_size)
    window.model_panel.hidden_spin.setValue(hidden_size)
    window.model_panel.eval_spin.setValue(max(1, steps // evals))
    window.model_panel.warmup_spin.setValue(5)
    window.training_panel.epochs_spin.setValue(0)
    window.training_panel.time_spin.setValue(0)
    window.training_panel.steps_spin.setValue(steps)


def wait_until(app: Any, condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until `condition` holds, the way the real app would keep running."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SelfTestError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def _quiet_offscreen(mode: Any, context: Any, message: str) -> None:
    """Qt's offscreen plugin warns on every window it cannot resize natively; the report should be
    the only output of a passing self-test, so that one warning is dropped and the rest passes on."""
    if "does not support propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _qt_platform() -> str:
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.platformName() or os.environ.get("QT_QPA_PLATFORM", "?")
