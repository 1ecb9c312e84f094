"""Text laid out in terminal columns, where a CJK character takes two columns.

`str.ljust` counts characters, so a table with a run named 红楼梦 is pushed out of line by
as many columns as the name has wide characters. Every fixed-width table (`runs`, `models`,
`compare`) pads with these instead.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Container, Sequence


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
