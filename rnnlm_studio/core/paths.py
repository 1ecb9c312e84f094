"""Where the app keeps its data, and where its bundled resources live."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "RNNLM_STUDIO_HOME"


def data_home() -> Path:
    """The data folder: `$RNNLM_STUDIO_HOME` if set (tests always set it), else the platform's."""
    env = os.environ.get(HOME_ENV)
    root = Path(env) if env else Path(platformdirs.user_data_dir("rnnlm-studio", appauthor=False))
    root.mkdir(parents=True, exist_ok=True)
    return root


def runs_dir() -> Path:
    path = data_home() / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    path = data_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def installed_models_dir() -> Path:
    path = data_home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """Bundled resources: `resources/` in a source checkout, the packaged copy when installed."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "resources", package / "resources"):
        if candidate.is_dir():
            return candidate
    return package / "resources"


def bundled_models_dir() -> Path:
    return resources_dir() / "models"


def sample_corpus() -> Path:
    return resources_dir() / "corpora" / "tinyshakespeare.txt"
