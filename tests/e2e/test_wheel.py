"""The built wheel, installed into a fresh environment, works on its own: resources from site-packages.

The wheel is built from a copy of the sources (so the checkout gets no build/ folder) and
installed with --no-deps into a new virtual environment that borrows the test environment's
dependencies through a .pth file (not --system-site-packages: those live in this venv, not the
system). Every command runs from a folder outside the checkout, with no PYTHONPATH, so the
checkout's resources/ cannot be picked up by accident.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from rnnlm_studio.core import paths
from tests.e2e.test_selftest import parse_report

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "rnnlm_studio", "resources")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(root / "dist"), str(source)], check=True, timeout=300)
    (built,) = (root / "dist").glob("rnnlm_studio-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new environment holding only the wheel; its dependencies come from this one, read-only."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # Paths listed in a .pth file are appended after the environment's own site-packages, and .pth
    # files inside them are not run, so this venv's editable-install finder stays out.
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    str(wheel)], check=True, timeout=300)
    return env_dir


def run_installed(env_dir: Path, cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env[paths.HOME_ENV] = str(home)
    return subprocess.run([str(env_dir / "bin" / "rnnlm-studio"), *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=400)


def site_packages(env_dir: Path) -> Path:
    (site,) = env_dir.glob("lib/python*/site-packages")
    return site


def test_the_wheel_holds_every_package_and_all_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = [p.parent.relative_to(REPO) for p in (REPO / "rnnlm_studio").rglob("__init__.py")]
    missing = [str(p) for p in packages if f"{p.as_posix()}/__init__.py" not in names]
    assert not missing, f"packages left out of the wheel (add them to pyproject's package list): {missing}"
    resources = [p.relative_to(REPO / "resources").as_posix() for p in (REPO / "resources").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
    assert "corpora/tinyshakespeare.txt" in resources
    assert [r for r in resources if f"rnnlm_studio/resources/{r}" not in names] == []
    assert not any(name.startswith(("tests/", "resources/")) for name in names)


def test_installed_models_command_lists_bundled_models_from_site_packages(installed: Path, tmp_path: Path) -> None:
    result = run_installed(installed, tmp_path, tmp_path / "home", "models", "--json")
    assert result.returncode == 0, result.stderr
    listed = {m["name"]: m for m in json.loads(result.stdout)}
    bundled = sorted(config.parent.name for config in (REPO / "resources" / "models").glob("*/config.json"))
    assert sorted(name for name, m in listed.items() if m["origin"] == "bundled") == bundled
    site = site_packages(installed)
    for name in bundled:
        assert Path(listed[name]["path"]).is_relative_to(site / "rnnlm_studio" / "resources" / "models")


def test_installed_self_test_passes_on_resources_from_site_packages(installed: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_installed(installed, tmp_path, home, "--self-test")
    assert result.returncode == 0, result.stderr
    report = parse_report(result.stdout)
    assert Path(report["resources"]) == site_packages(installed) / "rnnlm_studio" / "resources"
    assert report["data folder"] == str(home)  # a data folder the user chose is used, not a temporary one
    assert len(list((home / "runs").iterdir())) == 1
