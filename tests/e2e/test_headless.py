"""House rules a machine checks: the import contracts, and that headless commands never load Qt.

DESIGN.md: only the window and `compare --plot` may load Qt. The commands (the issue's six, and
`sources`) run in-process through the CLI's `main`, in a fresh interpreter (pytest-qt has already
loaded Qt into this one), and the interpreter's modules are inspected after each.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")

SCRIPT = r"""
import contextlib, io, json, sys
from rnnlm_studio.cli import main

train, valid = sys.argv[1], sys.argv[2]
QT = tuple(json.loads(sys.argv[3]))
TINY = ["--vocab-size", "200", "--emb-size", "16", "--hidden-size", "16", "--batch-size", "4", "--bptt", "8",
        "--max-steps", "4", "--eval-every", "2", "--eval-tokens", "500", "--precision", "fp32", "--threads", "1"]


def run(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    loaded = sorted({name.split(".")[0] for name in sys.modules if name.split(".")[0] in QT})
    print(json.dumps({"command": argv[0], "code": code, "qt": loaded}), file=sys.stderr)
    return out.getvalue()


done = json.loads(run("train", "--train", train, "--valid", valid, *TINY, "--name", "one", "--json").splitlines()[-1])
run("train", "--train", train, "--valid", valid, *TINY, "--name", "two", "--json")
run("eval", done["run_id"], "--text", valid)
run("generate", done["run_id"], "--prompt", "KING:", "--max-tokens", "5", "--seed", "1")
run("complete", done["run_id"], "--prompt", "the ki", "--json")
run("runs")
run("runs", "--lineage", "two")
run("compare", "one", "two")
run("sources", "--text", valid, "--sample-bytes", "1000")
"""


def test_headless_commands_never_load_qt(tmp_path: Path, shakespeare_small: dict[str, Path]) -> None:
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(shakespeare_small["train"]),
                             str(shakespeare_small["valid"]), json.dumps(QT_MODULES)],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    reports = [json.loads(line) for line in result.stderr.splitlines() if line.startswith('{"command"')]
    assert result.returncode == 0, result.stderr
    assert [r["command"] for r in reports] == ["train", "train", "eval", "generate", "complete", "runs", "runs",
                                                "compare", "sources"]
    assert all(r["code"] == 0 for r in reports), reports
    assert [r for r in reports if r["qt"]] == [], "a headless command loaded Qt"


def test_import_contracts_hold() -> None:
    """The floors, core without Qt, gui without torch, no import cycles: pyproject.toml's contracts."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
