"""Optimisers and learning-rate schedules.

Schedules are functions of *progress* in [0, 1] rather than of steps alone, because a
run limited by `--time-budget` does not know its step count in advance: progress is the
larger of steps done / step budget and seconds spent / time budget.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from .errors import ConfigError


def build_optimizer(groups: Iterable[dict], name: str, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """Each group may carry `lr_scale` (discriminative LR); its base `lr` is kept as `initial_lr`."""
    groups = [dict(g) for g in groups]
    for group in groups:
        group["initial_lr"] = lr * group.pop("lr_scale", 1.0)
        group["lr"] = group["initial_lr"]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(groups, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, betas=(0.9, 0.99))
    raise ConfigError(f"unknown optimizer {name!r}: choose adamw, adam or sgd")


@dataclass
class LRSchedule:
    """LR multiplier as a function of step and progress.

    `slanted` is ULMFiT's slanted triangular schedule (cut_frac 0.1, ratio 32);
    `cosine` warms up linearly for `warmup_steps` then decays to `min_factor`;
    `plateau` divides by `plateau_factor` whenever validation stops improving.
    """

    kind: str = "cosine"
    warmup_steps: int = 0
    min_factor: float = 0.05
    cut_frac: float = 0.1
    ratio: float = 32.0
    plateau_factor: float = 4.0
    plateau_scale: float = 1.0

    def factor(self, step: int, progress: float) -> float:
        progress = min(max(progress, 0.0), 1.0)
        if self.kind == "slanted":
            return self._slanted(progress)
        warm = min(1.0, (step + 1) / self.warmup_steps) if self.warmup_steps > 0 else 1.0
        if self.kind == "cosine":
            cos = 0.5 * (1.0 + math.cos(math.pi * progress))
            return warm * (self.min_factor + (1.0 - self.min_factor) * cos)
        if self.kind == "plateau":
            return warm * self.plateau_scale
        return warm

    def _slanted(self, progress: float) -> float:
        if progress < self.cut_frac:
            p = progress / self.cut_frac
        else:
            p = 1.0 - (progress - self.cut_frac) / (1.0 - self.cut_frac)
        return (1.0 + p * (self.ratio - 1.0)) / self.ratio

    def on_eval(self, improved: bool) -> None:
        if self.kind == "plateau" and not improved:
            self.plateau_scale /= self.plateau_factor

    def apply(self, optimizer: torch.optim.Optimizer, step: int, progress: float) -> float:
        """Set every group's LR; returns the top group's LR for display."""
        f = self.factor(step, progress)
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * f
        return optimizer.param_groups[-1]["lr"]


def discriminative_scales(n_groups: int, factor: float) -> list[float]:
    """ULMFiT: the top group trains at the base LR, each lower one at LR / factor^depth."""
    return [factor ** -(n_groups - 1 - i) for i in range(n_groups)]


def unfrozen_count(step: int, n_groups: int, steps_per_group: int) -> int:
    """Gradual unfreezing: the top group from the start, one more every `steps_per_group` steps."""
    if steps_per_group <= 0:
        return n_groups
    return min(n_groups, 1 + step // steps_per_group)
