"""Comparing runs side by side, and measuring transfer gain against a scratch baseline.

Transfer gain is only honest at EQUAL tokens seen: a transfer run stopped early and a
scratch run trained longer would otherwise flatter or hide the transfer. So the gain is
read at the largest tokens-seen both validation curves cover, interpolating between
evaluation points in the loss domain (log perplexity, or bits per byte, which is already
proportional to the loss).
"""
from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StudioError
from .formatting import columns, format_compact_duration
from .runs import RunRecord, RunStore, read_events

METRICS = ("word_ppl", "bpb", "ppl")
_METRIC_WORDS = {"word_ppl": "word perplexity", "bpb": "bits per byte", "ppl": "token perplexity"}
TOKENIZER_NOTE = "runs use different tokenizers: compare word perplexity or bits per byte, not token perplexity"
VALID_TEXT_NOTE = "runs were validated on different text: their perplexities are not directly comparable"


@dataclass
class Curve:
    """A run's validation points in order of tokens seen."""

    run_id: str
    name: str
    tokens: list[int]
    steps: list[int]
    elapsed: list[float]
    word_ppl: list[float]
    bpb: list[float]
    ppl: list[float]


@dataclass
class GainResult:
    tokens: int  # the tokens-seen where both runs were compared
    transfer_value: float
    baseline_value: float
    gain: float  # 1 - transfer / baseline: positive means the transfer helped
    negative: bool
    message: str
    final_transfer_value: float  # each run's last point, whatever its tokens seen
    final_baseline_value: float
    final_gain: float


@dataclass
class CompareRow:
    run_id: str
    name: str
    source: str | None
    transfer: str
    tokenizer: str | None
    final_valid_word_ppl: float | None
    final_test_word_ppl: float | None
    best_valid_word_ppl: float | None
    final_valid_bpb: float | None
    final_test_bpb: float | None
    tokens_seen: int
    elapsed: float
    gain: GainResult | None  # None when the run has no baseline


def curve_from_events(run_id: str, name: str, events: list[dict[str, Any]]) -> Curve:
    """The validation curve; after a resume the replayed points replace the ones lost with the old process."""
    points: list[dict[str, Any]] = []
    for event in events:
        if event.get("event") != "eval" or event.get("split") != "valid":
            continue
        while points and points[-1]["tokens_seen"] >= event["tokens_seen"]:
            points.pop()
        points.append(event)
    return Curve(
        run_id=run_id, name=name,
        tokens=[int(p["tokens_seen"]) for p in points],
        steps=[int(p.get("step", 0)) for p in points],
        elapsed=[float(p.get("elapsed", 0.0)) for p in points],
        word_ppl=[float(p.get("word_ppl", math.nan)) for p in points],
        bpb=[float(p.get("bpb", math.nan)) for p in points],
        ppl=[float(p.get("ppl", math.nan)) for p in points],
    )


def value_at(curve: Curve, tokens: int, metric: str = "word_ppl") -> float | None:
    """The metric at `tokens` seen, interpolated between points; None outside the curve."""
    xs, ys = curve.tokens, _series(curve, metric)
    if not xs or tokens < xs[0] or tokens > xs[-1]:
        return None
    i = bisect.bisect_left(xs, tokens)
    if xs[i] == tokens:
        return ys[i]
    weight = (tokens - xs[i - 1]) / (xs[i] - xs[i - 1])
    if metric == "bpb":
        return ys[i - 1] + weight * (ys[i] - ys[i - 1])
    return math.exp(math.log(ys[i - 1]) + weight * (math.log(ys[i]) - math.log(ys[i - 1])))


def transfer_gain(transfer: Curve, baseline: Curve, metric: str = "word_ppl") -> GainResult:
    for curve in (transfer, baseline):
        if not curve.tokens:
            raise StudioError(f"run {curve.name} has no validation points yet: "
                              "let it train past its first evaluation")
    tokens = min(transfer.tokens[-1], baseline.tokens[-1])
    transfer_value, baseline_value = value_at(transfer, tokens, metric), value_at(baseline, tokens, metric)
    if transfer_value is None or baseline_value is None:
        raise StudioError(f"runs {transfer.name} and {baseline.name} share no range of tokens seen: "
                          "train the shorter run longer")
    gain = 1.0 - transfer_value / baseline_value
    final_transfer, final_baseline = _series(transfer, metric)[-1], _series(baseline, metric)[-1]
    return GainResult(tokens=tokens, transfer_value=transfer_value, baseline_value=baseline_value,
                      gain=gain, negative=gain < 0, message=_gain_message(gain, metric, tokens),
                      final_transfer_value=final_transfer, final_baseline_value=final_baseline,
                      final_gain=1.0 - final_transfer / final_baseline)


def compare_runs(store: RunStore, refs: list[str]) -> tuple[list[CompareRow], list[Curve], list[str]]:
    """Rows and curves for the named runs, plus notes on what is not comparable or missing."""
    records = list({record.id: record for record in (store.find(ref) for ref in refs)}.values())
    curves: dict[str, Curve] = {}
    notes: list[str] = []

    def curve_of(record: RunRecord) -> Curve:
        if record.id not in curves:
            curves[record.id] = curve_from_events(record.id, record.name, read_events(record.run_dir))
        return curves[record.id]

    rows = [_row(record, curve_of(record), _gain(store, record, curve_of, notes)) for record in records]
    if len({record.tokenizer for record in records if record.tokenizer}) > 1:
        notes.append(TOKENIZER_NOTE)
    if len({_valid_text(record.config) for record in records}) > 1:
        notes.append(VALID_TEXT_NOTE)
    return rows, [curves[record.id] for record in records], notes


def format_table(rows: list[CompareRow]) -> str:
    """A fixed-width table: text columns left-aligned, numbers right-aligned, CJK names two columns a character."""
    headers = ("run", "transfer", "source", "valid wppl", "test wppl", "best wppl",
               "valid bpb", "test bpb", "tokens", "time", "gain")
    text_columns = 3
    cells = [headers] + [_cells(row) for row in rows]
    return "\n".join(columns(cells, right=range(text_columns, len(headers))))


def rows_to_json(rows: list[CompareRow]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(row) for row in rows]


def _series(curve: Curve, metric: str) -> list[float]:
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    return getattr(curve, metric)


def _gain_message(gain: float, metric: str, tokens: int) -> str:
    words, at = _METRIC_WORDS[metric], f"at {_count(tokens)} tokens"
    if not math.isfinite(gain):
        return f"transfer gain is unknown {at}: a run's {words} is not finite (the run diverged)"
    size = f"{abs(gain):.0%}" if abs(gain) >= 0.01 else f"{abs(gain):.1%}"
    if gain < 0:
        return (f"negative transfer: starting from the source made {words} {size} worse than training "
                f"from scratch {at} — the source's knowledge does not fit this text; "
                "try more target data, ulmfit, or no transfer")
    return f"transfer lowered {words} by {size} versus training from scratch {at}"


def _gain(store: RunStore, record: RunRecord, curve_of: Callable[[RunRecord], Curve],
          notes: list[str]) -> GainResult | None:
    """The run's gain over its baseline; problems become notes, so one bad run never hides the table."""
    if not record.baseline_id:
        if record.transfer != "scratch":
            notes.append(f"run {record.name} has no scratch baseline: train with --baseline to measure transfer gain")
        return None
    try:
        return transfer_gain(curve_of(record), curve_of(store.get(record.baseline_id)))
    except StudioError as exc:
        notes.append(f"no transfer gain for run {record.name}: {exc}")
        return None


def _row(record: RunRecord, curve: Curve, gain: GainResult | None) -> CompareRow:
    valid, test = record.final.get("valid") or {}, record.final.get("test") or {}
    best = record.best.get("word_ppl")
    if best is None and curve.word_ppl:
        best = min(curve.word_ppl)
    return CompareRow(
        run_id=record.id, name=record.name, source=record.source, transfer=record.transfer,
        tokenizer=record.tokenizer,
        final_valid_word_ppl=valid.get("word_ppl"), final_test_word_ppl=test.get("word_ppl"),
        best_valid_word_ppl=best,
        final_valid_bpb=valid.get("bpb"), final_test_bpb=test.get("bpb"),
        tokens_seen=record.tokens_seen, elapsed=record.elapsed, gain=gain,
    )


def _valid_text(config: dict[str, Any]) -> tuple[Any, ...]:
    """What a run was validated on: its valid file, or its held-out split of the training text."""
    if config.get("valid"):
        return (config["valid"],)
    return (tuple(config.get("train") or ()), tuple(config.get("split") or ()), config.get("split_seed"))


def _cells(row: CompareRow) -> tuple[str, ...]:
    return (
        row.name, row.transfer, Path(row.source).name if row.source else "-",
        _number(row.final_valid_word_ppl, 2), _number(row.final_test_word_ppl, 2),
        _number(row.best_valid_word_ppl, 2), _number(row.final_valid_bpb, 3),
        _number(row.final_test_bpb, 3), _count(row.tokens_seen), format_compact_duration(row.elapsed),
        _gain_cell(row.gain),
    )


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _gain_cell(gain: GainResult | None) -> str:
    if gain is None:
        return "-"
    cell = f"{gain.gain:+.1%}"
    return f"{cell} (negative transfer)" if gain.negative else cell


def _count(n: int) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + suffix
    return str(n)

