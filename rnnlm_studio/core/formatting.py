"""How numbers, sizes, durations and curves look to a person: one place for every front door.

Each front door shows a duration in the form its medium suits: the console a clock (`01:05`),
the GUI words (`1 min 05 s`), the fixed-width comparison table a compact form (`1m05s`), and an
estimate one rounded figure. They all live here so that a change to one is seen beside the others.

Fixed-width tables (`runs`, `models`, `compare`) pad by display width, not by `str.ljust`, which
counts characters: a CJK character takes two terminal columns, so a run named 红楼梦 would push
its row out of line by as many columns as the name has wide characters.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Container, Sequence

# Curve colours of the plots in the window and in plot files: run i gets PALETTE[i % len].
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
NEGATIVE = "#d62728"  # negative transfer, wherever a study shows it (the palette's red)
GAIN_FULL = 0.25  # bits saved at which a study cell's colour is at its strongest


def gain_color(gain: float | None) -> str:
    """A study cell's colour: white at no gain, deepening to green as the transfer saves bits and to
    red for negative transfer; grey while the cell has no figure yet."""
    if gain is None:
        return "#d9d9d9"
    t = min(1.0, abs(gain) / GAIN_FULL)
    target = (0x2c, 0xa0, 0x2c) if gain >= 0 else (0xd6, 0x27, 0x28)
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in target)


def format_bytes(n: int) -> str:
    for scale, unit in ((1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _hms(seconds: float) -> tuple[int, int, int]:
    whole = int(round(seconds))
    return whole // 3600, whole % 3600 // 60, whole % 60


def format_duration(seconds: float | None) -> str:
    """Words for the GUI: `42 s`, `3 min 07 s`, `2 h 05 min`; a dash when unknown."""
    if seconds is None:
        return "–"
    hours, minutes, secs = _hms(seconds)
    if not hours and not minutes:
        return f"{secs} s"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def format_compact_duration(seconds: float) -> str:
    """For a fixed-width table: `42s`, `3m07s`, `2h05m`."""
    hours, minutes, secs = _hms(seconds)
    if not hours and not minutes:
        return f"{secs}s"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def format_clock(seconds: float | None) -> str:
    """A console clock: `03:07`, `2:05:00`; `--:--` when unknown. Truncated, as a clock ticks."""
    if seconds is None:
        return "--:--"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def format_estimate(seconds: float) -> str:
    """An estimate shown as one rounded figure: more digits would promise a precision it lacks."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def format_percent(p: float) -> str:
    """A probability in a list or tooltip: two digits where they mean something."""
    return f"{p:.0%}" if p >= 0.1 else f"{p:.1%}" if p >= 0.001 else "<0.1%"


def format_ratio(ratio: float) -> str:
    """A word-perplexity ratio in three significant digits at most, however small or large."""
    return f"{ratio:.2f}" if 0.01 <= ratio < 1000 else f"{ratio:.2g}"


def format_mean_sd(mean: float, sd: float | None, digits: int = 3, signed: bool = False) -> str:
    """A mean over repeats with its standard deviation, `1.234 ± 0.010`; the mean alone when there is
    no spread to show (a single repeat)."""
    sign = "+" if signed else ""
    return f"{mean:{sign}.{digits}f}" + ("" if sd is None else f" ± {sd:.{digits}f}")


def format_compact(value: float) -> str:
    """Perplexities of tiny or untrained models run to millions: 281,963 -> 282k; a source scoring text in a
    script it never saw reaches 10^27, shown as a power of ten (5.7e+27), never as 28 digits."""
    if value >= 1e12:
        return f"{value:.2g}"
    for limit, unit, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if value >= limit:
            return f"{value / unit:.3g}{suffix}"
    return f"{value:,.1f}"


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian Wide and Fullwidth characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` filled with spaces to `width` columns, on the right (align "<") or the left (">")."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text


def columns(rows: Sequence[Sequence[str]], right: Container[int] = ()) -> list[str]:
    """Rows of cells as aligned lines, two spaces between columns; columns in `right` are right-aligned."""
    widths = [max(display_width(row[col]) for row in rows) for col in range(len(rows[0]))]
    return ["  ".join(pad(cell, width, ">" if col in right else "<") for col, (cell, width) in enumerate(zip(row, widths)))
            for row in rows]
