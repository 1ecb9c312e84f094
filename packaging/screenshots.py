"""Render the README's screenshots from the real app: empty, training, comparison, playground.

Runs offscreen on a desktop-sized virtual screen, in a temporary data folder, and trains small
real runs on the bundled sample corpus so every curve and suggestion in the pictures is genuine:
a source model on most of the text, then a parameter transfer to a small held-out slice with its
matched scratch baseline (the comparison). About three minutes on two CPU cores.

    python packaging/screenshots.py [--out docs/screenshots]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 860)
SOURCE_STEPS = 1200
TRANSFER_STEPS = 200
PROMPT = "ROMEO:\nI pray you, my good lo"


def desktop_screen(folder: Path) -> None:
    """Qt's offscreen screen is 800x800 and would clamp the window; give it a desktop's size."""
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "virtual", "x": 0, "y": 0, "width": 1920, "height": 1080,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def split_sample(corpus: Path, folder: Path) -> tuple[Path, Path]:
    """Most of the sample for the source model; a small slice it never saw as the transfer target."""
    text = corpus.read_text(encoding="utf-8")
    cut = int(len(text) * 0.9)
    source, target = folder / "shakespeare-source.txt", folder / "shakespeare-target.txt"
    source.write_text(text[:cut], encoding="utf-8")
    target.write_text(text[cut:cut + 60_000], encoding="utf-8")
    return source, target


def settle(app: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def shoot(window: Any, app: Any, path: Path) -> None:
    for _ in range(5):  # let the plots' redraw timer and layouts catch up
        app.processEvents()
        window.repaint()
    image = window.grab().toImage()
    if not image.save(str(path), "PNG", 9):
        raise SystemExit(f"could not write {path}")
    print(f"{path} ({path.stat().st_size // 1024} KB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="rnnlm-studio-screenshots-"))
    desktop_screen(scratch)
    os.environ["RNNLM_STUDIO_HOME"] = str(scratch / "home")
    sys.path.insert(0, str(ROOT))

    import torch
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from rnnlm_studio.core.paths import sample_corpus
    from rnnlm_studio.core.runs import RunStore
    from rnnlm_studio.gui.app import MainWindow
    from rnnlm_studio.gui.workers import wait_for_tasks
    from rnnlm_studio.selftest import set_quick_run, wait_until

    torch.set_num_threads(1)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "settings"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    source_text, target_text = split_sample(sample_corpus(), scratch)

    wait_until(app, lambda: window.corpus_panel.preview is not None, 120, "the corpus preview")
    shoot(window, app, args.out / "empty.png")

    set_quick_run(window, source_text, SOURCE_STEPS, evals=12, vocab_size=500, emb_size=64, hidden_size=128)
    plots = window.training_panel.plots
    plots.metric_box.setCurrentIndex(plots.metric_box.findData("bpb"))  # readable after a short run
    window.docks["model"].raise_()
    window.start_action.trigger()
    last = window.training_panel
    wait_until(app, lambda: last.last_step is not None and last.last_step.step >= SOURCE_STEPS * 2 // 3, 600,
               "the source run")
    shoot(window, app, args.out / "training.png")
    wait_until(app, lambda: window.job is None, 600, "the source run to finish")

    source = RunStore().list()[0]
    window.model_panel.set_source(str(source.run_dir))
    window.model_panel.transfer_box.setCurrentText("parameter")
    window.model_panel.baseline_check.setChecked(True)
    window.corpus_panel.set_train_paths([target_text])
    window.corpus_panel.reuse_radio.setChecked(True)
    window.training_panel.steps_spin.setValue(TRANSFER_STEPS)
    window.model_panel.eval_spin.setValue(TRANSFER_STEPS // 10)
    window.start_action.trigger()
    wait_until(app, lambda: window.job is None, 600, "the transfer run and its baseline")
    transfer = next(r for r in RunStore().list() if r.transfer == "parameter")

    pair = {transfer.id, transfer.baseline_id}

    def compared() -> bool:
        """Select the pair (again, if a late refresh of the runs list cleared the selection); both are
        drawn, as overlays or as the live curves of the run just trained."""
        if {r.id for r in window.runs_panel.selected()} != pair:
            window.runs_panel.select_runs(list(pair))
            return False
        return pair <= {series.key for series in plots.live + plots.overlays}

    wait_until(app, compared, 60, "the comparison overlays")
    settle(app, 1.5)  # the overlay loader runs in the background, then the plots redraw
    window.docks["corpus"].raise_()
    shoot(window, app, args.out / "comparison.png")

    window.runs_panel.select_runs([])
    window.docks["playground"].raise_()
    window.playground.set_model(str(transfer.run_dir))
    wait_until(app, lambda: window.playground.loaded is not None, 60, "the playground model")
    editor = window.playground.editor
    editor.setPlainText(PROMPT[:-2])
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    QTest.keyClicks(editor, PROMPT[-2:])
    wait_until(app, lambda: bool(editor.suggestions_shown()) and bool(editor.ghost), 60, "suggestions")
    shoot(window, app, args.out / "playground.png")

    window.playground.shutdown()
    window.close()
    wait_for_tasks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
