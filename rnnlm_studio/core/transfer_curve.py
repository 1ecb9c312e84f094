"""`transfer-curve`: the data-efficiency question as a study preset (a `fraction` axis).

Each fraction of the target training text gets a transfer run and its matched scratch baseline:
the same data, tokenizer, budget and, since this is a study, the same architecture (the source's).
Before it was a study, the scratch arm trained the default model while the transfer arm took the
source's, so the curve measured the architecture as much as the transfer.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .config import TrainConfig
from .errors import ConfigError
from .study import StudySpec, default_study_name


@dataclass
class CurvePoint:
    fraction: float
    train_bytes: int
    scratch_word_ppl: float
    transfer_word_ppl: float
    scratch_bpb: float
    transfer_bpb: float
    gain_bits: float  # 1 - transfer bpb / scratch bpb, mean over repeats

    @property
    def gain(self) -> float:
        """The word-perplexity ratio's share saved, as the curve always reported it."""
        return 1.0 - self.transfer_word_ppl / self.scratch_word_ppl


def curve_spec(config: TrainConfig, fractions: Sequence[float], name: str | None = None) -> StudySpec:
    if config.transfer == "scratch" or not config.source:
        raise ConfigError("transfer-curve needs --source MODEL and a --transfer type other than scratch")
    base = TrainConfig.from_dict(config.to_dict())
    base.baseline, base.name = False, None
    return StudySpec(name=name or default_study_name().replace("study", "curve"), base=base.to_dict(),
                     axes=[("fraction", [f"{f:g}" for f in fractions])])


def curve_points(cells: Sequence[dict[str, Any]]) -> list[CurvePoint]:
    """The finished cells as the curve's points, in order of the fraction."""
    return [CurvePoint(float(c["axes"]["fraction"]), c["train_bytes"] or 0, c["baseline_word_ppl_mean"],
                       c["word_ppl_mean"], c["baseline_bpb_mean"], c["bpb_mean"], c["gain_bits_mean"])
            for c in sorted(cells, key=lambda c: float(c["axes"]["fraction"])) if c["repeats"]]


def format_curve(points: list[CurvePoint], transfer: str) -> str:
    header = f"{'fraction':>9} {'bytes':>12} {'scratch':>10} {transfer:>10} {'gain':>8} {'bits saved':>10}"
    rows = [f"{p.fraction:>9g} {p.train_bytes:>12,} {p.scratch_word_ppl:>10.1f} {p.transfer_word_ppl:>10.1f} "
            f"{p.gain:>+8.1%} {p.gain_bits:>+10.3f}" for p in points]
    return "\n".join([header, *rows])
