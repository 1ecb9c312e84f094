"""`rnnlm-studio --self-test` from a source checkout: it passes, leaves no data behind, fails in one line."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlm_studio import cli, selftest
from rnnlm_studio.core import paths

REPO = Path(__file__).resolve().parents[2]


def parse_report(stdout: str) -> dict[str, str]:
    """The report's lines after the first, as label -> value (labels and values are two spaces apart)."""
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in stdout.splitlines()[1:])


def test_self_test_passes_and_leaves_no_data_behind(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != paths.HOME_ENV}
    env.update(PYTHONPATH=str(REPO), XDG_DATA_HOME=str(tmp_path / "xdg-data"),
               XDG_CONFIG_HOME=str(tmp_path / "xdg-config"))
    result = subprocess.run([sys.executable, "-m", "rnnlm_studio.cli", "--self-test"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=400)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("rnnlm-studio ") and "self-test: OK" in lines[0]
    report = parse_report(result.stdout)
    assert report["resources"] == str(paths.resources_dir())
    assert report["training"].startswith(f"{selftest.STEPS} steps") and report["data folder"] == "temporary (removed)"
    assert re.match(rf"\d+ tokens: {selftest.PROMPT}", report["generated"])
    assert not (tmp_path / "xdg-data").exists() and not (tmp_path / "xdg-config").exists()


def test_a_missing_sample_corpus_fails_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(paths, "sample_corpus", lambda: tmp_path / "gone.txt")
    assert selftest.run_self_test() == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("self-test failed: the sample corpus is missing") and "gone.txt" in err


def test_self_test_refuses_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--self-test", "runs"])
    assert exit_info.value.code == 2 and "--self-test runs on its own" in capsys.readouterr().err
