"""The project's one error type for bad input, and how its messages name settings.

Every refusal the user can fix (a bad corpus, a corrupt model, an impossible setting)
raises `StudioError` with a message that names the problem and the fix, so the CLI can
print one line and the GUI can show it in the panel where it arose, never a traceback.

The fix must be in the words of the interface the user came through: a GUI user is never
told to "pass --train". So core never spells a setting itself: `option("train")` (the setting
as a noun) and `give("train", "FILE")` (the imperative that supplies it) leave a mark in the
message, and the front door that shows it spells the mark (`set_spelling`): the CLI as
`--train` / `pass --train FILE`, the window as its panels' words, the Python API (the
default) as the config field `train`.
"""
from __future__ import annotations

import re
from collections.abc import Callable

_MARK = re.compile(r"⟨(!?)([a-z_]+)(?:\|([^⟩]*))?⟩")
Spelling = Callable[[str, str, bool], str]  # (setting, value placeholder, imperative) -> words


def option(name: str) -> str:
    """The setting `name` (a config field, such as "batch_size") as a noun in a message."""
    return f"⟨{name}⟩"


def give(name: str, value: str = "") -> str:
    """The fix "supply the setting `name`" (with a placeholder such as FILE for the command line)."""
    return f"⟨!{name}|{value}⟩"


def api_spelling(name: str, _value: str, imperative: bool) -> str:
    return f"set `{name}`" if imperative else f"`{name}`"


_spelling: Spelling = api_spelling


def set_spelling(spelling: Spelling) -> None:
    """Called once by a front door (the CLI, the window) before anything can fail."""
    global _spelling
    _spelling = spelling


def spell(text: str, spelling: Spelling | None = None) -> str:
    """`text` with every setting spelled for the interface in use."""
    words = spelling or _spelling
    return _MARK.sub(lambda m: words(m[2], m[3] or "", bool(m[1])), text)


class StudioError(Exception):
    """A problem the user can fix; `str(err)` is the whole message, fix included, in the words of the
    interface in use."""

    def __str__(self) -> str:
        return spell(super().__str__())


class CorpusError(StudioError):
    """The training or evaluation text cannot be used."""


class ModelFileError(StudioError):
    """A model folder, checkpoint or imported file is missing, corrupt or incompatible."""


class ConfigError(StudioError):
    """A setting is out of range or settings contradict each other."""


class TransferError(StudioError):
    """Weights cannot move from the source to the target model."""
