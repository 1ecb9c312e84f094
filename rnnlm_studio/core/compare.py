"""Comparing runs side by side, and measuring transfer gain against a scratch baseline.

Transfer gain is only honest at EQUAL tokens seen: a transfer run stopped early and a
scratch run trained longer would otherwise flatter or hide the transfer. So the gain is
read at the largest tokens-seen both validation curves cover, interpolating between
evaluation points in the loss domain (log perplexity, or bits per byte, which is already
proportional to the loss).

The gain is counted in bits: bits saved = 1 - bpb(transfer) / bpb(baseline), the share of the
baseline's code length for the validation text that starting from the source saves. It is a
plain proportion of the loss, so it reads the same at any scale, where a word-perplexity ratio
(reported beside it) exponentiates the loss per word: 0.2 bits a byte less on text of six bytes
a word is a ratio of 0.43, and a few bits a byte turn word perplexities into 10^5 that hide
everything else. So when word perplexities run past 10^4 the table leads with bits per byte.
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
from .formatting import columns, format_compact_duration, format_ratio
from .runs import RunRecord, RunStore, read_events

METRICS = ("word_ppl", "bpb", "ppl", "accuracy")
LINEAR_METRICS = ("bpb", "accuracy")  # interpolated as they are; perplexities in the log (loss) domain
TOKENIZER_NOTE = "runs use different tokenizers: compare word perplexity or bits per byte, not token perplexity"
VALID_TEXT_NOTE = "runs were validated on different text: their perplexities are not directly comparable"
WIDE_PPL = 1e4  # past this word perplexity, bits per byte lead
WIDE_PPL_NOTE = ("word perplexities run past 10^4, so bits per byte lead: at that scale a small difference per "
                 "byte multiplies the word perplexity many times over (word ppl = 2^(bits per byte x bytes per "
                 "word)), and the gain is read in bits saved")


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
    accuracy: list[float] = dataclasses.field(default_factory=list)  # a task run's; empty for a language model


@dataclass
class GainResult:
    tokens: int  # the tokens-seen where both runs were compared
    transfer_bpb: float
    baseline_bpb: float
    gain: float  # bits saved, 1 - transfer_bpb / baseline_bpb (a task run: accuracy gained): positive means it helped
    transfer_word_ppl: float
    baseline_word_ppl: float
    word_ppl_ratio: float  # transfer / baseline: below 1 means the transfer helped
    negative: bool
    message: str
    final_gain: float  # bits saved between each run's last point, whatever its tokens seen
    final_word_ppl_ratio: float


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
    best_valid_bpb: float | None
    final_valid_bpb: float | None
    final_test_bpb: float | None
    best_valid_accuracy: float | None  # task runs only, as are the F1s
    final_valid_accuracy: float | None
    final_valid_macro_f1: float | None
    final_test_accuracy: float | None
    final_test_macro_f1: float | None
    tokens_seen: int
    elapsed: float
    gain: GainResult | None  # None when the run has no baseline, or `gain_note` says why there is none
    gain_note: str | None = None  # why a run with a baseline has no gain (in words for any interface)


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
        accuracy=[float(p["extra"]["accuracy"]) for p in points if "accuracy" in (p.get("extra") or {})],
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
    if metric in LINEAR_METRICS:
        return ys[i - 1] + weight * (ys[i] - ys[i - 1])
    return math.exp(math.log(ys[i - 1]) + weight * (math.log(ys[i]) - math.log(ys[i - 1])))


def transfer_gain(transfer: Curve, baseline: Curve) -> GainResult:
    """Bits saved and the word-perplexity ratio at the largest tokens seen both curves reach."""
    for curve in (transfer, baseline):
        if not curve.tokens:
            raise StudioError(f"run {curve.name} has no validation points yet: "
                              "let it train past its first evaluation")
    tokens = min(transfer.tokens[-1], baseline.tokens[-1])
    if transfer.accuracy and baseline.accuracy:
        return _task_gain(transfer, baseline, tokens)
    bpb = value_at(transfer, tokens, "bpb"), value_at(baseline, tokens, "bpb")
    word_ppl = value_at(transfer, tokens), value_at(baseline, tokens)
    if None in bpb or None in word_ppl:
        raise StudioError(f"runs {transfer.name} and {baseline.name} were never evaluated at a common number of "
                          f"tokens seen ({transfer.name}: {_span(transfer)}; {baseline.name}: {_span(baseline)}), "
                          "so there is no point where the two can be compared: evaluate both more often, or "
                          "train the shorter one longer")
    gain, ratio = _saved(*bpb), _ratio(*word_ppl)
    return GainResult(tokens=tokens, transfer_bpb=bpb[0], baseline_bpb=bpb[1], gain=gain,
                      transfer_word_ppl=word_ppl[0], baseline_word_ppl=word_ppl[1], word_ppl_ratio=ratio,
                      negative=gain < 0, message=_gain_message(gain, ratio, bpb, tokens),
                      final_gain=_saved(transfer.bpb[-1], baseline.bpb[-1]),
                      final_word_ppl_ratio=_ratio(transfer.word_ppl[-1], baseline.word_ppl[-1]))


def _span(curve: Curve) -> str:
    first, last = _count(curve.tokens[0]), _count(curve.tokens[-1])
    return f"{first} tokens" if first == last else f"{first} to {last} tokens"


def _task_gain(transfer: Curve, baseline: Curve, tokens: int) -> GainResult:
    """A classifier's or tagger's gain: validation accuracy gained over its scratch twin at the same tokens seen
    (task runs have no bits per byte; their two runs share data and budget, so their points line up)."""
    accuracy = value_at(transfer, tokens, "accuracy"), value_at(baseline, tokens, "accuracy")
    if None in accuracy:
        raise StudioError(f"runs {transfer.name} and {baseline.name} share no range of tokens seen: "
                          "train the shorter run longer")
    gain = accuracy[0] - accuracy[1]
    verdict = "negative transfer: the source cost" if gain < 0 else "transfer gained"
    message = (f"{verdict} {abs(gain):.1%} accuracy against the scratch classifier at {_count(tokens)} tokens "
               f"({accuracy[0]:.1%} against {accuracy[1]:.1%})")
    return GainResult(tokens=tokens, transfer_bpb=math.nan, baseline_bpb=math.nan, gain=gain,
                      transfer_word_ppl=math.nan, baseline_word_ppl=math.nan, word_ppl_ratio=math.nan,
                      negative=gain < 0, message=message, final_gain=transfer.accuracy[-1] - baseline.accuracy[-1],
                      final_word_ppl_ratio=math.nan)


def _saved(transfer_bpb: float, baseline_bpb: float) -> float:
    return 1.0 - transfer_bpb / baseline_bpb if baseline_bpb > 0 else math.nan


def _ratio(transfer_ppl: float, baseline_ppl: float) -> float:
    return transfer_ppl / baseline_ppl if baseline_ppl > 0 else math.nan


def lead_metric(rows: list[CompareRow]) -> str:
    """"bpb" where any word perplexity runs past 10^4 (see the module's docstring), else "word_ppl"."""
    values = [row.best_valid_word_ppl for row in rows] + [row.final_valid_word_ppl for row in rows]
    return "bpb" if any(v is not None and not v <= WIDE_PPL for v in values) else "word_ppl"


def compare_runs(store: RunStore, refs: list[str]) -> tuple[list[CompareRow], list[Curve], list[str]]:
    """Rows and curves for the named runs, plus notes on what is not comparable or missing."""
    records = list({record.id: record for record in (store.find(ref) for ref in refs)}.values())
    curves: dict[str, Curve] = {}
    notes: list[str] = []

    def curve_of(record: RunRecord) -> Curve:
        if record.id not in curves:
            curves[record.id] = curve_from_events(record.id, record.name, read_events(record.run_dir))
        return curves[record.id]

    rows = [_row(record, curve_of(record), *_gain(store, record, curve_of, notes)) for record in records]
    if len({record.tokenizer for record in records if record.tokenizer}) > 1:
        notes.append(TOKENIZER_NOTE)
    if len({_valid_text(record.config) for record in records}) > 1:
        notes.append(VALID_TEXT_NOTE)
    if lead_metric(rows) == "bpb":
        notes.append(WIDE_PPL_NOTE)
    return rows, [curves[record.id] for record in records], notes


def format_table(rows: list[CompareRow]) -> str:
    """A fixed-width table: text columns left-aligned, numbers right-aligned, CJK names two columns a
    character; bits per byte first when word perplexities run past 10^4."""
    word_ppl = ("valid wppl", "test wppl", "best wppl")
    bpb = ("valid bpb", "test bpb", "best bpb")
    measures = bpb + word_ppl if lead_metric(rows) == "bpb" else word_ppl + bpb
    if any(row.best_valid_accuracy is not None for row in rows):
        measures += TASK_MEASURES
    headers = ("run", "transfer", "source", *measures, "tokens", "time", "gain: bits saved (wppl ratio)")
    text_columns = 3
    cells = [headers] + [_cells(row, measures) for row in rows]
    return "\n".join(columns(cells, right=range(text_columns, len(headers))))


TASK_MEASURES = ("valid acc", "test acc", "best acc", "valid F1", "test F1")  # task runs: accuracy, macro-F1


def rows_to_json(rows: list[CompareRow]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(row) for row in rows]


def _series(curve: Curve, metric: str) -> list[float]:
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    series = getattr(curve, metric)
    if len(series) != len(curve.tokens):  # accuracy: a language model's curve has none
        raise ValueError(f"metric {metric!r} is not recorded at every point of run {curve.name}")
    return series


def _gain_message(gain: float, ratio: float, bpb: tuple[float, float], tokens: int) -> str:
    at = f"at {_count(tokens)} tokens"
    if not math.isfinite(gain):
        return f"transfer gain is unknown {at}: a run's bits per byte is not finite (the run diverged)"
    size = f"{abs(gain):.1%}"  # bits saved are a few percent where word perplexity halves
    figures = f"{bpb[0]:.3f} against {bpb[1]:.3f} bits per byte; word perplexity x{format_ratio(ratio)}"
    if gain < 0:
        return (f"negative transfer: starting from the source cost {size} more bits per byte than training "
                f"from scratch {at} ({figures}) — the source's knowledge does not fit this text; "
                "try more target data, ulmfit, or no transfer")
    return f"transfer saved {size} of the bits per byte versus training from scratch {at} ({figures})"


def _gain(store: RunStore, record: RunRecord, curve_of: Callable[[RunRecord], Curve],
          notes: list[str]) -> tuple[GainResult | None, str | None]:
    """The run's gain over its baseline, or why a run with a baseline has none; problems become notes, so
    one bad run never hides the table."""
    if not record.baseline_id:
        if record.transfer != "scratch":
            notes.append(f"run {record.name} has no scratch baseline: train with --baseline to measure transfer gain")
        return None, None
    try:
        return transfer_gain(curve_of(record), curve_of(store.get(record.baseline_id))), None
    except StudioError as exc:
        notes.append(f"no transfer gain for run {record.name}: {exc}")
        return None, str(exc)


def _row(record: RunRecord, curve: Curve, gain: GainResult | None, gain_note: str | None = None) -> CompareRow:
    valid, test = record.final.get("valid") or {}, record.final.get("test") or {}
    best = record.best.get("word_ppl", _lowest(curve.word_ppl))
    best_bpb = record.best.get("bpb", _lowest(curve.bpb))
    return CompareRow(
        run_id=record.id, name=record.name, source=record.source, transfer=record.transfer,
        tokenizer=record.tokenizer,
        final_valid_word_ppl=valid.get("word_ppl"), final_test_word_ppl=test.get("word_ppl"),
        best_valid_word_ppl=best, best_valid_bpb=best_bpb,
        final_valid_bpb=valid.get("bpb"), final_test_bpb=test.get("bpb"),
        best_valid_accuracy=record.best.get("accuracy", max(curve.accuracy, default=None)),
        final_valid_accuracy=valid.get("accuracy"), final_valid_macro_f1=valid.get("macro_f1"),
        final_test_accuracy=test.get("accuracy"), final_test_macro_f1=test.get("macro_f1"),
        tokens_seen=record.tokens_seen, elapsed=record.elapsed, gain=gain, gain_note=gain_note,
    )


def _lowest(values: list[float]) -> float | None:
    """The lowest of a curve's values; None for a curve without any (a task run has no perplexity)."""
    return min((v for v in values if not math.isnan(v)), default=None)


def _valid_text(config: dict[str, Any]) -> tuple[Any, ...]:
    """What a run was validated on: its valid file, or its held-out split of the training text."""
    if config.get("valid"):
        return (config["valid"],)
    return (tuple(config.get("train") or ()), tuple(config.get("split") or ()), config.get("split_seed"))


def _cells(row: CompareRow, measures: tuple[str, ...]) -> tuple[str, ...]:
    values = {"valid wppl": _number(row.final_valid_word_ppl, 2), "test wppl": _number(row.final_test_word_ppl, 2),
              "best wppl": _number(row.best_valid_word_ppl, 2), "valid bpb": _number(row.final_valid_bpb, 3),
              "test bpb": _number(row.final_test_bpb, 3), "best bpb": _number(row.best_valid_bpb, 3),
              "valid acc": _percent(row.final_valid_accuracy), "test acc": _percent(row.final_test_accuracy),
              "best acc": _percent(row.best_valid_accuracy), "valid F1": _number(row.final_valid_macro_f1, 3),
              "test F1": _number(row.final_test_macro_f1, 3)}
    return (
        row.name, row.transfer, Path(row.source).name if row.source else "-",
        *(values[name] for name in measures), _count(row.tokens_seen), format_compact_duration(row.elapsed),
        _gain_cell(row.gain),
    )


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1%}"


def _gain_cell(gain: GainResult | None) -> str:
    if gain is None:
        return "-"
    ratio = f" (x{format_ratio(gain.word_ppl_ratio)})" if math.isfinite(gain.word_ppl_ratio) else " accuracy"
    cell = f"{gain.gain:+.1%}{ratio}"
    return f"{cell} (negative transfer)" if gain.negative else cell


def _count(n: int) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + suffix
    return str(n)

