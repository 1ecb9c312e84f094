"""How a continuation is sampled: the one definition of the options and their defaults.

Kept free of torch, so the CLI can build its `generate` options from these defaults without
loading the model stack, and the Playground's controls start from the same values.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigError

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
        if self.max_tokens <= 0:
            raise ConfigError(f"--max-tokens must be a positive integer, got {self.max_tokens}")
        if not self.temperature >= 0:
            raise ConfigError(f"--temperature must be 0 (greedy) or positive, got {self.temperature}")
        if self.top_k < 0:
            raise ConfigError(f"--top-k must be 0 (off) or a positive integer, got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"--top-p must be in (0, 1] (1 turns it off), got {self.top_p}")
        if not self.repetition_penalty >= 1:
            raise ConfigError(f"--repetition-penalty must be at least 1 (1 turns it off), "
                              f"got {self.repetition_penalty}")
        if self.stop_at is not None and self.stop_at not in STOP_AT:
            raise ConfigError(f"--stop-at {self.stop_at!r} is not one of: {', '.join(STOP_AT)}")
