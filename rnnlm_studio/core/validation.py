"""The range of every numeric setting, in one table: the CLI checks a command's options against it
before anything is opened, registered or allocated, and the config dataclasses and the model-folder
loader check their fields against the same rules.

Why one table: a check written at each use let NaN through (`nan <= 0` is false, so `--time-budget
nan` trained forever), let zero through where it divides, and let sizes through that ask for
terabytes. Every rule here is a closed type (int or finite float) and a finite range, so NaN, ±inf,
wrong types and huge values are refused by the same code as negatives. The upper bounds are far
beyond any sensible run on a desktop but small enough that nothing they allow allocates without end.
"""
from __future__ import annotations

import math
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, StudioError, option

BEAM_MAX_TOKENS = 1_000  # beam search returns its text at the end, so its length is capped
MAX_CACHE_FLOATS = 1 << 24  # cache window x hidden size: 16 evaluation rows x 4 bytes -> at most 1 GiB
_SEED = (-(2 ** 31), 2 ** 31 - 1)  # the trainer derives per-step seeds from it: keep them in 64 bits


@dataclass(frozen=True)
class Rule:
    """An int or a finite float within [low, high]; an open end excludes that bound."""

    kind: type
    low: float
    high: float
    low_open: bool = False
    meaning: str = ""  # what a special value means, shown in the message ("0 = off")

    def problem(self, value: Any) -> str | None:
        """What is wrong with `value`, or None when it obeys the rule."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be {self.describe()}, got {value!r}"
        if self.kind is int and not isinstance(value, int):
            return f"must be a whole number ({self.describe()}), got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number ({self.describe()}), got {value}"
        below = value <= self.low if self.low_open else value < self.low
        if below or value > self.high:
            return f"must be {self.describe()}, got {value}"
        return None

    def describe(self) -> str:
        what = "an integer" if self.kind is int else "a number"
        low = f"above {self.low:g}" if self.low_open else f"from {self.low:g}"
        extra = f"; {self.meaning}" if self.meaning else ""
        return f"{what} {low} to {self.high:g}{extra}"


def _ints(low: int, high: int, meaning: str = "") -> Rule:
    return Rule(int, low, high, meaning=meaning)


def _floats(low: float, high: float, *, low_open: bool = False, meaning: str = "") -> Rule:
    return Rule(float, low, high, low_open=low_open, meaning=meaning)


_FRACTION = _floats(0.0, 0.999999)

# Keyed by the option's destination (`--hidden-size` -> hidden_size), which is also the field's name
# in ModelConfig, TrainConfig and SamplingOptions: one name, one rule, wherever the value comes from.
RULES: dict[str, Rule] = {
    # model (also a model folder's config.json)
    "vocab_size": _ints(1, 1 << 20),
    "emb_size": _ints(1, 16_384),
    "hidden_size": _ints(1, 16_384),
    "layers": _ints(1, 32),
    "dropout_emb": _FRACTION,
    "dropout_input": _FRACTION,
    "dropout_hidden": _FRACTION,
    "dropout_output": _FRACTION,
    "cache_window": _ints(0, 100_000, "0 = no cache"),
    "cache_theta": _floats(0.0, 1_000.0),
    "cache_lambda": _FRACTION,
    # data and transfer
    "split_seed": _ints(0, 2 ** 32 - 1),
    "unfreeze_every": _ints(0, 10 ** 9, "0 = one group per epoch"),
    "discriminative_factor": _floats(0.0, 100.0, low_open=True),
    "feature_layer": _ints(0, 31, "0 = the lowest recurrent layer"),
    "rank": _ints(1, 16_384, "below the mapped matrix's smaller side"),
    # optimisation
    "lr": _floats(0.0, 1e6, low_open=True),
    "weight_decay": _floats(0.0, 100.0),
    "clip": _floats(0.0, 1e6, meaning="0 = off"),
    "warmup_steps": _ints(0, 10 ** 9),
    "average_from": _floats(0.0, 0.999999, low_open=True),
    "batch_size": _ints(1, 65_536),
    "bptt": _ints(1, 65_536),
    # budget and evaluation
    "epochs": _floats(0.0, 1e6, low_open=True),
    "max_steps": _ints(1, 10 ** 12),
    "time_budget": _floats(0.0, 1e8, low_open=True),
    "eval_every": _ints(1, 10 ** 12),
    "eval_tokens": _ints(1, 10 ** 12),
    "patience": _ints(0, 10 ** 9, "0 = never"),
    # run
    "seed": _ints(*_SEED),
    "threads": _ints(0, 4_096, "0 = all cores"),
    "nproc": _ints(1, 1_024),
    # study
    "repeats": _ints(1, 1_000),
    "jobs": _ints(1, 1_024),
    # generate / complete
    "max_tokens": _ints(1, 100_000),
    "temperature": _floats(0.0, 100.0, meaning="0 = greedy"),
    "top_k": _ints(0, 1 << 20, "0 = off"),
    "top_p": _floats(0.0, 1.0, low_open=True),
    "repetition_penalty": _floats(1.0, 100.0, meaning="1 = off"),
    "beam": _ints(0, 64, "0 = sample instead"),
    "k": _ints(1, 1_000),
    "phrase": _ints(0, 50, "0 = none"),
    # sources
    "sample_bytes": _ints(1_000, 1 << 30),
}


def option_name(name: str) -> str:
    """How the command line spells a field: hidden_size -> --hidden-size (k -> -k)."""
    return f"-{name}" if len(name) == 1 else f"--{name.replace('_', '-')}"


def cli_spelling(name: str, value: str, imperative: bool) -> str:
    """The command line's words for a setting named in a message (`errors.set_spelling`)."""
    flag = option_name(name) + (f" {value}" if value else "")
    return f"pass {flag}" if imperative else flag


def check(name: str, value: Any, label: str | None = None) -> None:
    """Refuse `value` for the setting `name` with one message naming the setting and its range."""
    problem = RULES[name].problem(value)
    if problem is not None:
        raise ConfigError(f"{label or option(name)} {problem}")


def check_values(values: Mapping[str, Any], label: Any = option) -> None:
    """Check every value that has a rule; None means "not given" (a default applies) and passes."""
    for name, value in values.items():
        if name in RULES and value is not None:
            check(name, value, label(name))


def check_fields(obj: Any, names: Sequence[str], label: Any = option) -> None:
    """`check_values` on some attributes of a config object."""
    check_values({name: getattr(obj, name) for name in names}, label)


def check_fractions(fractions: Sequence[Any], what: str) -> tuple[float, ...]:
    """Finite, non-negative fractions (NaN compares false with everything, so it is named here)."""
    values = tuple(fractions)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ConfigError(f"{what} must be finite, non-negative fractions, got {list(values)}")
    return tuple(float(value) for value in values)


def check_cache_size(window: int, hidden_size: int, label: str = "--cache-window") -> None:
    """The cache keeps `window` hidden states per evaluation row: bound their memory, not just the count."""
    if window * hidden_size > MAX_CACHE_FLOATS:
        raise ConfigError(f"{label} {window} with hidden size {hidden_size} would hold more than 1 GiB of "
                          f"cached states: use at most {MAX_CACHE_FLOATS // hidden_size} positions")


def check_beam(beam: int, max_tokens: int) -> None:
    """Beam search builds its whole text before printing it, so its width has the rule's cap and its
    length a cap of its own (the CLI checks both before loading the model; core/sampling.py again)."""
    check("beam", beam)
    if beam and max_tokens > BEAM_MAX_TOKENS:
        raise ConfigError(f"--max-tokens {max_tokens} is too long for --beam (it prints when done): "
                          f"use at most {BEAM_MAX_TOKENS}, or sample without --beam (streamed)")


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))


def special_kind(path: Path) -> str | None:
    """What a path is when it is not a regular file (a pipe, socket, device or folder), from its status
    alone: opening a FIFO blocks until someone writes to it, so nothing here ever opens one."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: the caller's own message says so
    return next((kind for test, kind in _SPECIAL if test(mode)), None) if not stat.S_ISREG(mode) else None


def require_regular_file(path: Path, fix: str) -> None:
    """Refuse a pipe, socket, device or folder where a file is read, before it is opened."""
    kind = special_kind(path)
    if kind is not None:
        raise StudioError(f"{path} is {kind}, not a regular file; {fix}")
