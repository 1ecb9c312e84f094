"""Where the app keeps its data, and where its bundled resources live."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

HOME_ENV = "RNNLM_STUDIO_HOME"


def data_home() -> Path:
    """The data folder: `$RNNLM_STUDIO_HOME` if set (tests always set it), else the platform's."""
    env = os.environ.get(HOME_ENV)
    root = Path(env) if env else Path(platformdirs.user_data_dir("rnnlm-studio", appauthor=False))
    root.mkdir(parents=True, exist_ok=True)
    return root


def user_path(raw: str | os.PathLike[str]) -> Path:
    """A path as the user typed it, `~` expanded; `~name` for a user this machine does not have stays
    as typed, so that the caller's own "not found" message names it instead of a traceback."""
    try:
        return Path(raw).expanduser()
    except RuntimeError:
        return Path(raw)


def _subfolder(name: str) -> Path:
    """A folder of the data folder, created when missing; in a read-only data folder it may not exist,
    and readers then find nothing in it rather than failing (writers fail with the OS's reason)."""
    path = data_home() / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def runs_dir() -> Path:
    return _subfolder("runs")


def cache_dir() -> Path:
    """Token and tokenizer caches; a read-only data folder caches in the temp folder instead, so that
    `eval` and the other reading commands still work there."""
    path = _subfolder("cache")
    if path.is_dir() and os.access(path, os.W_OK):
        return path
    fallback = Path(tempfile.gettempdir()) / f"rnnlm-studio-cache-{os.getuid()}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    return fallback


def installed_models_dir() -> Path:
    return _subfolder("models")


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


def portable(value: Any) -> Any:
    """A provenance value without the writer's absolute paths: a model folder is shared, and
    `/home/alice/corpora/wiki/train.txt` says nothing on another machine but its last two parts."""
    if isinstance(value, list):
        return [portable(item) for item in value]
    if isinstance(value, str) and Path(value).is_absolute():
        path = Path(value)
        return f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    return value
