"""Hostile input, table-driven: every numeric option of every command through NaN, ±inf, 0, negative,
huge and wrong-type values, and every path argument through `../`, absolute paths, existing folders,
symlinks and special files (FIFO, socket, device).

The rule each case checks: a non-zero exit with exactly one `error:` line (naming the option, for values
no option accepts) or a clean success; never a traceback or a hang; nothing deleted, changed or created
outside the data folder and the output the command was asked to write; no secret read through a
symlink lands in the data folder; no run left "running", "created" or "interrupted".

Cases run in-process through `cli.main` (milliseconds each); `SUBPROCESS` repeats a representative few
through the real command line. `python -m tests.bench.reliability` counts them.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rnnlm_studio import cli
from rnnlm_studio.core import paths
from rnnlm_studio.core.runs import INTERRUPTED, LIVE_STATUSES, RunStore
from tests.reliability.helpers import cli_env

CASE_TIMEOUT_S = 120  # a case that takes longer has hung (most take milliseconds)
SECRET = "top-secret-7f3a9c"
MODEL = "shakespeare-char"  # bundled, small: commands that accept a value finish in a moment
REFUSED_ALWAYS = ("nan", "inf", "-inf", "huge", "wrong-type")


@dataclass(frozen=True)
class Sandbox:
    root: Path
    bystander: Path  # an unrelated folder with files: must come through every case unchanged
    secret: Path
    data: Path  # a folder laid out train/valid/test (too small to train on: runs refuse it quickly)
    model_copy: Path
    model_with_link: Path


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = tmp_path_factory.mktemp("hostile")
    box = Sandbox(root, root / "bystander", root / "secret.txt", root / "data", root / "model-copy",
                  root / "model-with-link")
    (box.bystander / "sub").mkdir(parents=True)
    (box.bystander / "keep.txt").write_text("a file that must survive\n" * 3)
    (box.bystander / "sub" / "keep.md").write_text("# also kept\n")
    box.secret.write_text(f"{SECRET}\n")
    box.data.mkdir()
    for name in ("train.txt", "valid.txt", "test.txt"):
        (box.data / name).write_text("a few words of text\n" * 5)
    bundled = paths.bundled_models_dir() / MODEL
    shutil.copytree(bundled, box.model_copy)
    shutil.copytree(bundled, box.model_with_link)
    (box.model_with_link / "README.md").unlink()
    (box.model_with_link / "README.md").symlink_to(box.secret)
    (root / "link-to-secret.txt").symlink_to(box.secret)
    specials = root / "specials"
    specials.mkdir()
    os.mkfifo(specials / "fifo")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(specials / "socket"))
    yield box
    listener.close()


# ------------------------------------------------------------------ the cases

NUMBERS = {"nan": "nan", "inf": "inf", "-inf": "-inf", "zero": "0", "negative": "-1", "wrong-type": "abc"}
HUGE = {int: "1" + "0" * 30, float: "1e30"}

# command -> argv that is fine apart from the option under test, and quick whatever that option is:
# training commands are given a corpus that does not exist, so a value they accept ends in a refusal
# of the corpus a moment later (a real run would take seconds per case).
BASE = {
    "train": ["train", "--train", "no-such-corpus.txt"],
    "transfer-curve": ["transfer-curve", "--train", "no-such-corpus.txt", "--source", MODEL],
    "study": ["study", "--train", "no-such-corpus.txt", "--source", MODEL, "--axis", "transfer=parameter"],
    "generate": ["generate", MODEL, "--prompt", "To be", "--max-tokens", "5"],
    "complete": ["complete", MODEL, "--prompt", "To b"],
    "eval": ["eval", MODEL, "--text", "no-such-text.txt"],
    "sources": ["sources", "--text", "no-such-text.txt"],
}
STRING_NUMBERS = {  # options that hold several numbers in one string
    ("train", "--split"): ["nan,0.5,0.5", "inf,0,0", "-1,1,1", "0,0.5,0.5", "0.9,0.1", "abc"],
    ("transfer-curve", "--fractions"): ["nan", "inf", "-0.5,1", "0", "1e30", "abc"],
}


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def numeric_cases() -> list[tuple[str, list[str], str, bool]]:
    """(id, argv, flag, must be refused) for every int/float option of every command."""
    cases = []
    for command, parser in _subcommands().items():
        for action in parser._actions:
            if action.type not in (int, float) or not action.option_strings:
                continue
            flag = action.option_strings[0]
            assert command in BASE, f"{command} {flag}: give the command a base argv in BASE"
            for label, value in {**NUMBERS, "huge": HUGE[action.type]}.items():
                cases.append((f"{command}{flag}={label}", [*BASE[command], f"{flag}={value}"], flag,
                              label in REFUSED_ALWAYS))
    for (command, flag), values in STRING_NUMBERS.items():
        cases += [(f"{command}{flag}={value}", [*BASE[command], f"{flag}={value}"], flag, True) for value in values]
    return cases


PATH_VALUES = {  # label -> the path, relative to the sandbox root ("." = the work folder is the cwd)
    "dotdot-folder": "../bystander",
    "dotdot-missing": "../nowhere/deeper",
    "absolute-folder": "{root}/bystander",
    "absolute-file": "{root}/bystander/keep.txt",
    "symlink-to-secret": "{root}/link-to-secret.txt",
    "model-with-symlink": "{root}/model-with-link",
    "fifo": "{root}/specials/fifo",
    "socket": "{root}/specials/socket",
    "device": "/dev/zero",
}
# argv templates with {P} for the hostile path; OUTPUT marks the ones where {P} is what the command writes
PATH_TEMPLATES = {
    "train --train": ["train", "--train", "{P}", "--max-steps", "2"],
    "train --valid": ["train", "--train", "{data}", "--valid", "{P}", "--max-steps", "2"],
    "train --test": ["train", "--train", "{data}", "--test", "{P}", "--max-steps", "2"],
    "train --source": ["train", "--train", "{data}", "--source", "{P}", "--transfer", "parameter",
                       "--max-steps", "2"],
    "train --resume": ["train", "--resume", "{P}"],
    "eval MODEL": ["eval", "{P}", "--text", "{data}/valid.txt"],
    "eval --text": ["eval", MODEL, "--text", "{P}"],
    "sources --text": ["sources", "--text", "{P}"],
    "generate MODEL": ["generate", "{P}", "--prompt", "a", "--max-tokens", "3"],
    "complete MODEL": ["complete", "{P}", "--prompt", "a"],
    "export MODEL": ["export", "{P}", "--to", "exported"],
    "export --to": ["export", MODEL, "--to", "{P}"],
    "export --card": ["export", MODEL, "--to", "carded", "--card", "{P}"],
    "import FILE": ["import", "{P}", "--like", MODEL, "--to", "imported"],
    "import --like": ["import", "{root}/bystander/keep.txt", "--like", "{P}", "--to", "imported"],
    "import --to": ["import", "{root}/bystander/keep.txt", "--like", MODEL, "--to", "{P}"],
    "models --install": ["models", "--install", "{P}"],
    "models --name": ["models", "--install", "{model_copy}", "--name", "{P}"],
    "compare RUN": ["compare", "{P}"],
    "export-tb RUN": ["export-tb", "{P}", "--logdir", "tb"],
    "export-tb --logdir": ["export-tb", "{data}", "--logdir", "{P}"],
    "runs (no path)": ["runs", "--json"],
}
OUTPUTS = {"export --to", "import --to"}  # {P} may be created (only if it did not exist)


def path_cases() -> list[tuple[str, str, str]]:
    return [(f"{template}={label}", template, label) for template in PATH_TEMPLATES for label in PATH_VALUES
            if not (template == "runs (no path)" and label != "dotdot-folder")]


# ------------------------------------------------------------------ the checks


@pytest.fixture()
def workdir(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh current folder per case, beside the bystander (so `../bystander` reaches it): relative
    outputs land here, and an earlier case's output never changes what a later case meets."""
    folder = sandbox.root / f"{WORK_PREFIX}{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    monkeypatch.chdir(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


WORK_PREFIX = "work-"


def snapshot(root: Path) -> dict[str, tuple[str, int, bytes | None]]:
    """Every entry under `root` but the cases' work folders: its kind, size and (small files) content."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (folder == str(root) and d.startswith(WORK_PREFIX))]
        for name in (*dirs, *files):
            path = Path(folder, name)
            st = path.lstat()
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file" if path.is_file() else "special"
            content = path.read_bytes() if kind == "file" and st.st_size < 65536 else None
            found[str(path.relative_to(root))] = (kind, st.st_size, content)
    return found


def leaked_secret(*roots: Path) -> list[Path]:
    hits = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 1 << 20:
                if SECRET.encode() in path.read_bytes():
                    hits.append(path)
    return hits


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError(f"the command hung for {CASE_TIMEOUT_S} s")


def run_main(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT_S)
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's refusal
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, capsys.readouterr().err


def check_outcome(code: int, err: str) -> str | None:
    """The error line of a refusal (None for a success), after checking the one-clear-line rule."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    if code == 0:
        assert errors == [], err
        return None
    assert len(errors) == 1, f"exit {code} needs exactly one error line, got: {err!r}"
    return errors[0]


def check_store(home: Path) -> None:
    if not (home / "runs.sqlite").exists():
        return
    stuck = [(r.id, r.status) for r in RunStore(home).list() if r.status in LIVE_STATUSES | {INTERRUPTED}]
    assert stuck == [], stuck


@pytest.mark.parametrize("case_id, argv, flag, refused", numeric_cases(), ids=[c[0] for c in numeric_cases()])
def test_numeric_option(case_id: str, argv: list[str], flag: str, refused: bool, sandbox: Sandbox,
                        workdir: Path, studio_home: Path, capsys: pytest.CaptureFixture) -> None:
    before = snapshot(sandbox.root)
    code, err = run_main(argv, capsys)
    line = check_outcome(code, err)
    if refused:
        assert line is not None and flag in line, (argv, err)
    assert snapshot(sandbox.root) == before
    check_store(studio_home)


@pytest.mark.parametrize("case_id, template, label", path_cases(), ids=[c[0] for c in path_cases()])
def test_path_argument(case_id: str, template: str, label: str, sandbox: Sandbox, workdir: Path,
                       studio_home: Path, capsys: pytest.CaptureFixture) -> None:
    hostile = PATH_VALUES[label].format(root=sandbox.root)
    argv = [part.format(P=hostile, root=sandbox.root, data=sandbox.data, model_copy=sandbox.model_copy)
            for part in PATH_TEMPLATES[template]]
    target = (workdir / hostile).resolve() if template in OUTPUTS else workdir
    new_folders = [p for p in (target, *target.parents) if not p.exists() and not p.is_symlink()]
    before = snapshot(sandbox.root)
    code, err = run_main(argv, capsys)
    check_outcome(code, err)
    if new_folders:  # the output the command was asked to write, where nothing was: fine; removed
        shutil.rmtree(new_folders[-1], ignore_errors=True)
    after = snapshot(sandbox.root)
    assert after == before, sorted(set(after) ^ set(before))[:5]
    assert leaked_secret(studio_home) == []
    check_store(studio_home)


def test_the_suite_covers_every_numeric_option_and_many_cases() -> None:
    """The walk above is read off the parser: an option added later is walked too, and the case
    count stays above the 150 that issue #21 asks for."""
    flags = {flag for _, _, flag, _ in numeric_cases()}
    assert {"--time-budget", "--max-tokens", "--beam", "--cache-window", "-k", "--nproc"} <= flags
    assert len(numeric_cases()) + len(path_cases()) >= 150


# ------------------------------------------------------------------ through the real command line

SUBPROCESS = {  # id -> (argv template, words the one error line must hold)
    "time-budget-nan": (["train", "--train", "{data}", "--time-budget", "nan"], "--time-budget"),
    "fifo-as-train": (["train", "--train", "{root}/specials/fifo"], "named pipe"),
    "device-as-text": (["eval", MODEL, "--text", "/dev/zero"], "character device"),
    "beam-too-wide": (["generate", MODEL, "--prompt", "a", "--beam", "100000"], "--beam"),
    "install-with-symlink": (["models", "--install", "{root}/model-with-link"], "symbolic link"),
    "install-name-escapes": (["models", "--install", "{model_copy}", "--name", "../../bystander"], "cannot name"),
    "export-over-a-folder": (["export", MODEL, "--to", "{root}/bystander"], "already exists"),
}


@pytest.mark.parametrize("case_id", list(SUBPROCESS))
def test_through_the_command_line(case_id: str, sandbox: Sandbox, workdir: Path, studio_home: Path) -> None:
    template, words = SUBPROCESS[case_id]
    argv = [part.format(root=sandbox.root, data=sandbox.data, model_copy=sandbox.model_copy) for part in template]
    before = snapshot(sandbox.root)
    result = subprocess.run([sys.executable, "-m", "rnnlm_studio.cli", *argv], cwd=workdir,
                            env=cli_env(studio_home), capture_output=True, text=True, timeout=CASE_TIMEOUT_S)
    line = check_outcome(result.returncode, result.stderr)
    assert line is not None and words in line, result.stderr
    assert snapshot(sandbox.root) == before
    assert leaked_secret(studio_home) == []
    check_store(studio_home)
