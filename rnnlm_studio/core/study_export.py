"""A study's results for people: the console table, CSV, a Markdown report, and the crossing point
of a data-efficiency curve (the share of target data where scratch catches up with transfer).

The figures are the cells' summaries (core/study.py): means over the repeats whose transfer run
and baseline both finished, the spread as a sample standard deviation (none for one repeat), bits
per byte of the test text or, without one, of the validation text, and the gain in bits saved
(1 - bpb / baseline bpb: positive when the transfer helped, negative transfer below zero).
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from .formatting import columns, format_compact, format_mean_sd

CSV_FIELDS = ("repeats", "bpb_mean", "bpb_sd", "baseline_bpb_mean", "baseline_bpb_sd", "gain_bits_mean",
              "gain_bits_sd", "word_ppl_mean", "baseline_word_ppl_mean", "split", "train_bytes")


def axis_names(cells: Sequence[dict[str, Any]]) -> list[str]:
    return list(cells[0]["axes"]) if cells else []


def study_csv(cells: Sequence[dict[str, Any]]) -> str:
    """One row per cell: its axis values, then the figures (empty where there are none yet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = axis_names(cells)
    writer.writerow([*names, *CSV_FIELDS])
    for cell in cells:
        writer.writerow([*(cell["axes"][n] for n in names), *("" if cell.get(f) is None else cell[f] for f in CSV_FIELDS)])
    return out.getvalue()


def _bits(mean: float | None, sd: float | None) -> str:
    return "–" if mean is None else format_mean_sd(mean, sd, 3)


def _gain(cell: dict[str, Any]) -> str:
    text = "–" if cell["gain_bits_mean"] is None else format_mean_sd(cell["gain_bits_mean"], cell["gain_bits_sd"], 3, signed=True)
    return text + (" (negative transfer)" if (cell["gain_bits_mean"] or 0) < 0 else "")


def _ppl(value: float | None) -> str:
    return "–" if value is None else format_compact(value)


def table_rows(cells: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The header and one row per cell, as the console table and the Markdown report show them."""
    names = axis_names(cells)
    split = next((c["split"] for c in cells if c.get("split")), "valid")
    header = [*names, "repeats", f"{split} bits/byte", "baseline bits/byte", "gain (bits saved)",
              "word ppl", "baseline word ppl"]
    rows = [[*(cell["axes"][n] for n in names), str(cell["repeats"]), _bits(cell["bpb_mean"], cell["bpb_sd"]),
             _bits(cell["baseline_bpb_mean"], cell.get("baseline_bpb_sd")), _gain(cell),
             _ppl(cell.get("word_ppl_mean")), _ppl(cell.get("baseline_word_ppl_mean"))] for cell in cells]
    return [header, *rows]


def format_study_table(cells: Sequence[dict[str, Any]]) -> str:
    rows = table_rows(cells)
    return "\n".join(columns(rows, right=set(range(len(axis_names(cells)), len(rows[0])))))


def crossing(points: Sequence[tuple[float, float | None]]) -> float | None:
    """The fraction of target data where the gain first falls to zero (scratch catches up), read
    between the two measured fractions around it, linearly in log(fraction); None if it never does."""
    known = sorted((f, g) for f, g in points if g is not None)
    for (f0, g0), (f1, g1) in zip(known, known[1:]):
        if g0 > 0 >= g1:
            t = g0 / (g0 - g1)
            return math.exp(math.log(f0) + t * (math.log(f1) - math.log(f0)))
    return None


def crossings(cells: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Per value of the other axis ("" when fraction is the only one): the crossing point."""
    others = [n for n in axis_names(cells) if n != "fraction"]
    groups: dict[str, list[tuple[float, float | None]]] = {}
    for cell in cells:
        label = f"{others[0]}={cell['axes'][others[0]]}" if others else ""
        groups.setdefault(label, []).append((float(cell["axes"]["fraction"]), cell["gain_bits_mean"]))
    return {label: crossing(points) for label, points in groups.items()}


def study_markdown(name: str, spec: dict[str, Any], cells: Sequence[dict[str, Any]], plots: Sequence[str] = ()) -> str:
    """The report a user pastes into an article: the question, the settings, the table, the plots."""
    base = spec["base"]
    axes = ", ".join(f"`{n}` = {', '.join(v)}" for n, v in spec["axes"])
    budget = ", ".join(f"{k.replace('_', ' ')} {base[k]}" for k in ("time_budget", "max_steps", "epochs") if base.get(k))
    lines = [f"# Study {name}", "",
             f"- Axes: {axes}; {spec['repeats']} repeat(s) per cell (seeds {base.get('seed', 0)}.."
             f"{base.get('seed', 0) + spec['repeats'] - 1}).",
             f"- Source: `{base.get('source') or '(an axis)'}`; transfer: `{base.get('transfer')}`; budget per run: "
             f"{budget or 'one epoch'}.",
             "- Every cell is paired with a matched scratch baseline (same architecture, tokenizer, data and budget, "
             "same seed). Gain in bits saved = 1 − bpb / baseline bpb, per seed, then averaged; ± is the sample "
             "standard deviation over repeats.", ""]
    rows = table_rows(cells)
    lines += ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    negative = [c for c in cells if (c["gain_bits_mean"] or 0) < 0]
    if negative:
        lines += ["", "Negative transfer (the source hurt): " + "; ".join(
            ", ".join(f"{k}={v}" for k, v in c["axes"].items()) for c in negative) + "."]
    if "fraction" in axis_names(cells):
        lines.append("")
        for label, point in crossings(cells).items():
            where = f" ({label})" if label else ""
            lines.append(f"- Scratch catches up{where}: " + (f"at about {point:.3g} of the target data." if point
                                                            else "not within the fractions measured."))
    lines += ["", *(f"![{p}]({p})" for p in plots)]
    return "\n".join(lines).rstrip() + "\n"
