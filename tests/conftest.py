"""Shared fixtures: an isolated data folder per test, offscreen Qt, and the shared corpora."""
from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("RNNLM_SHARED_DATA", REPO.parent / "shared" / "data"))
SHAKESPEARE = SHARED_DATA / "tinyshakespeare" / "input.txt"
WIKI_VALID = SHARED_DATA / "wikitext-2" / "valid.txt"
WIKI_TEST = SHARED_DATA / "wikitext-2" / "test.txt"
WAR_AND_PEACE = SHARED_DATA / "war-and-peace" / "input.txt"


@pytest.fixture(autouse=True)
def studio_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own RNNLM_STUDIO_HOME so nothing touches the user's data."""
    home = tmp_path_factory.mktemp("studio-home")
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def python_api_wording() -> None:
    """Each test starts as a Python user would: error messages name settings as config fields. A front door
    a test opens (cli.main, a window) spells them its own way from then on; the next test starts afresh."""
    from rnnlm_studio.core.errors import api_spelling, set_spelling

    set_spelling(api_spelling)


@pytest.fixture(autouse=True)
def collect_garbage_when_due() -> Iterator[None]:
    """Once a GUI test has handed garbage collection to the interface thread's timer (gui/collector.py),
    tests that run no event loop would never collect: each collects what is due when it ends."""
    yield
    if not gc.isenabled():
        from rnnlm_studio.gui.collector import collect_due

        collect_due()


@pytest.fixture(scope="session")
def shakespeare_small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 60 KB train / 10 KB valid / 10 KB test cut of tiny-shakespeare for fast tests."""
    text = SHAKESPEARE.read_text(encoding="utf-8")
    root = tmp_path_factory.mktemp("shakespeare")
    parts = {"train": text[:60_000], "valid": text[60_000:70_000], "test": text[70_000:80_000]}
    paths = {}
    for name, part in parts.items():
        paths[name] = root / f"{name}.txt"
        paths[name].write_text(part, encoding="utf-8")
    return paths
