"""How a continuation is sampled: the one definition of the options and their defaults.

Kept free of torch, so the CLI can build its `generate` options from these defaults without
loading the model stack, and the Playground's controls start from the same values.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigError, option
from .validation import check_fields

STOP_AT = ("line", "sentence")


@dataclass(frozen=True)
class SamplingOptions:
    """How `generate` picks each token; temperature 0 means greedy."""

    max_tokens: int = 100
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    stop_at: str | None = None
    seed: int | None = None

    def validate(self) -> None:
        """The numeric fields against the one table of option rules (core/validation.py), so the
        Playground and the Python API refuse what the CLI refuses, in the same words."""
        check_fields(self, ("max_tokens", "temperature", "top_k", "top_p", "repetition_penalty", "seed"))
        if self.stop_at is not None and self.stop_at not in STOP_AT:
            raise ConfigError(f"{option('stop_at')} {self.stop_at!r} is not one of: {', '.join(STOP_AT)}")
