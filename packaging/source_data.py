"""Lays out the Chinese source model's data: the two novels with their last chapters held out.

Why a script: the held-out chapters must be the same text every time the model is rebuilt or
benchmarked, and "the last chapters" of a file with uneven headings is easy to get subtly wrong.
Usage: python packaging/source_data.py chinese DATA_DIR OUT_DIR
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

HEADING = re.compile(r"^\s*第[一二三四五六七八九十百零〇]+回")
NOVELS = ("hongloumeng.txt", "shuihu.txt")
TEST_CHAPTERS = 10   # the last ten chapters of each novel: the held-out text
VALID_CHAPTERS = 3   # the three before them: model selection


def chapter_starts(lines: list[str]) -> list[int]:
    """Line index of each chapter heading; a heading repeated on the next line starts no new chapter."""
    starts: list[int] = []
    for index, line in enumerate(lines):
        if HEADING.match(line) and not (starts and index - starts[-1] <= 1):
            starts.append(index)
    return starts


def split_novel(text: str) -> tuple[str, str, str]:
    lines = text.splitlines(keepends=True)
    starts = chapter_starts(lines)
    test_at, valid_at = starts[-TEST_CHAPTERS], starts[-TEST_CHAPTERS - VALID_CHAPTERS]
    return "".join(lines[:valid_at]), "".join(lines[valid_at:test_at]), "".join(lines[test_at:])


def chinese(data: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    parts: dict[str, list[str]] = {"train": [], "valid": [], "test": []}
    for name in NOVELS:
        for role, part in zip(parts, split_novel((data / "chinese-classics" / name).read_text("utf-8"))):
            parts[role].append(part)
    for role, texts in parts.items():
        (out / f"{role}.txt").write_text("".join(texts), "utf-8")
        print(f"{role}: {sum(len(t) for t in texts):,} characters")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "chinese":
        sys.exit(__doc__)
    chinese(Path(sys.argv[2]), Path(sys.argv[3]))
