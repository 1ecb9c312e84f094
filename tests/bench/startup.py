"""Start-up: how long after `rnnlm-studio` starts the window first paints, against Qt's own start-up.

    python -m tests.bench.startup [--repeats 7] [--timeout 120]

Each repeat starts a fresh process, offscreen (QT_QPA_PLATFORM=offscreen), on a first start (a
throw-away data folder and settings, so the bundled sample and default source are chosen as a new
user's are), and reads three moments against the time the process was started:
- first paint: the main window's first `paintEvent` has run (the window frame, toolbar and docks);
- ready: its panels are built and hold their settings (`MainWindow.panels_ready`);
- the baseline, measured in the same run: `python -c "import PySide6.QtWidgets"`, start to exit.
The target (issue #20): first paint under 1.5 s. Prints a table (median, min, max) and writes
`bench-results/startup.json`.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import REPO, BenchError, print_table, write_results

TARGET_FIRST_PAINT_S = 1.5

# Run in the child: the CLI's own `rnnlm-studio` path (cli.main with no command), with the window's
# first paint and its panels' readiness written down as wall-clock times.
CHILD = r"""
import json, sys, time
from PySide6.QtWidgets import QApplication
from rnnlm_studio.gui import app as gui_app

marks, out = {}, sys.argv[1]
painted = gui_app.MainWindow.paintEvent

def paint(self, event):
    painted(self, event)
    if "first_paint" not in marks:
        marks["first_paint"] = time.time()
        self.panels_ready.connect(ready)

def ready():
    marks["ready"] = time.time()
    with open(out, "w") as handle:
        json.dump(marks, handle)
    QApplication.instance().quit()

gui_app.MainWindow.paintEvent = paint
from rnnlm_studio import cli
sys.exit(cli.main([]))
"""


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RNNLM_STUDIO_HOME=str(folder / "home"),
               XDG_CONFIG_HOME=str(folder / "config"), PYTHONPATH=str(REPO))
    env.pop("PYTHONSTARTUP", None)
    return env


def time_qt(timeout: float) -> float:
    """Seconds from starting `python -c "import PySide6.QtWidgets"` to its exit."""
    started = time.time()
    subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], check=True, timeout=timeout,
                   env=_env(Path(tempfile.mkdtemp(prefix="startup-"))))
    return time.time() - started


def time_app(timeout: float) -> tuple[float, float]:
    """Seconds from starting the app's process to its first paint, and to its panels being ready."""
    folder = Path(tempfile.mkdtemp(prefix="startup-"))
    out = folder / "marks.json"
    started = time.time()
    result = subprocess.run([sys.executable, "-c", CHILD, str(out)], env=_env(folder), timeout=timeout,
                            capture_output=True, text=True)
    if not out.is_file():
        raise BenchError(f"the app did not report its start-up (exit {result.returncode}): {result.stderr[-2000:]}")
    marks = json.loads(out.read_text())
    return marks["first_paint"] - started, marks["ready"] - started


def _summary(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.2f}", f"{min(values):.2f}", f"{max(values):.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    qt, paint, ready = [], [], []
    for _ in range(args.repeats):  # interleaved, so a change in the machine's load moves both alike
        qt.append(time_qt(args.timeout))
        first, whole = time_app(args.timeout)
        paint.append(first)
        ready.append(whole)
    ratio = statistics.median(paint) / statistics.median(qt)
    print_table(f"Start-up, {args.repeats} repeats (seconds from process start; median, min, max)",
                ("", "median", "min", "max"),
                [("python -c 'import PySide6.QtWidgets'", *_summary(qt)),
                 ("rnnlm-studio: first paint", *_summary(paint)),
                 ("rnnlm-studio: panels ready", *_summary(ready))])
    verdict = "meets" if statistics.median(paint) < TARGET_FIRST_PAINT_S else "misses"
    print(f"first paint / Qt import: {ratio:.2f}x; {verdict} the {TARGET_FIRST_PAINT_S} s target")
    write_results("startup", {"repeats": args.repeats, "qt_import_s": qt, "first_paint_s": paint, "ready_s": ready,
                              "median_first_paint_s": statistics.median(paint),
                              "median_qt_import_s": statistics.median(qt), "ratio": ratio,
                              "target_first_paint_s": TARGET_FIRST_PAINT_S})


if __name__ == "__main__":
    main()
