"""The project's one error type for bad input.

Every refusal the user can fix (a bad corpus, a corrupt model, an impossible setting)
raises `StudioError` with a message that names the problem and the fix, so the CLI can
print one line and the GUI can show it in the panel where it arose, never a traceback.
"""
from __future__ import annotations


class StudioError(Exception):
    """A problem the user can fix; `str(err)` is the whole message, fix included."""


class CorpusError(StudioError):
    """The training or evaluation text cannot be used."""


class ModelFileError(StudioError):
    """A model folder, checkpoint or imported file is missing, corrupt or incompatible."""


class ConfigError(StudioError):
    """A setting is out of range or settings contradict each other."""


class TransferError(StudioError):
    """Weights cannot move from the source to the target model."""
