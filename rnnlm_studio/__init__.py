"""RNNLM Studio: train recurrent language models and move knowledge between them.

The Python API (see the README's "Python API")::

    from rnnlm_studio import train, study, load_model, generate, complete, evaluate, predict, TrainConfig

Its names load on first use (PEP 562), so `import rnnlm_studio` (and every CLI command, which
imports this package first) does not pay for torch until it needs it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core import __version__

__all__ = ["TrainConfig", "ModelConfig", "train", "study", "load_model", "generate", "complete", "evaluate",
           "predict", "__version__"]

if TYPE_CHECKING:
    from .api import complete, evaluate, generate, load_model, predict, study, train
    from .core.config import ModelConfig, TrainConfig


def __getattr__(name: str) -> Any:
    if name in ("TrainConfig", "ModelConfig"):
        from .core import config

        return getattr(config, name)
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'rnnlm_studio' has no attribute {name!r}")
