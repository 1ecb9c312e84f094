"""Write the English source's training text: one file, the shape its chunks trained on.

27 of the 30 Gutenberg authors (all but the held-out austen, conrad and wells) in name order, War and
Peace and WikiText-2's `valid.txt`, with four more copies of `valid.txt`'s articles spread evenly
through the books (WikiText is 2% of the text otherwise, and its format is what the model knew least).
`--turn F` then rotates each of the 32 batch rows' shares so the row starts F of the way in: the
trainer reads a file as 32 contiguous rows, so a chunk started on a turned file reads the part of
every row that the last chunk did not reach. Run from the repository root:

    python training/english_mix.py --turn 0.03 --out /tmp/english-mix.txt
"""
from __future__ import annotations

import argparse
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HELD_OUT = {"austen", "conrad", "wells"}
ROWS = 32
WIKI_COPIES = 4


def _paragraphs(text: str) -> list[str]:
    return [p + "\n\n" for p in text.split("\n\n") if p.strip()]


def _articles(wiki: str) -> list[str]:
    """WikiText articles: each starts at a top-level ` = Title = ` line."""
    articles: list[list[str]] = []
    for line in wiki.splitlines(keepends=True):
        if line.startswith(" = ") and not line.startswith(" = = ") or not articles:
            articles.append([])
        articles[-1].append(line)
    return ["".join(a) for a in articles if "".join(a).strip()]


def mixed_paragraphs() -> list[str]:
    books = [p for f in sorted((DATA / "gutenberg").glob("*.txt")) if f.stem not in HELD_OUT
             for p in _paragraphs(f.read_text(encoding="utf-8"))]
    books += _paragraphs((DATA / "war-and-peace" / "input.txt").read_text(encoding="utf-8"))
    wiki = (DATA / "wikitext-2" / "valid.txt").read_text(encoding="utf-8")
    extra = _articles(wiki) * WIKI_COPIES
    every = max(1, len(books) // (len(extra) + 1))
    mixed: list[str] = []
    for i, paragraph in enumerate(books):
        mixed.append(paragraph)
        if i % every == every - 1 and extra:
            mixed.append(extra.pop(0) + "\n")
    return mixed + extra + [wiki]


def turned(paragraphs: list[str], turn: float) -> list[str]:
    """Each of the `ROWS` equal shares rotated to start `turn` of the way in (at a paragraph)."""
    share = -(-len(paragraphs) // ROWS)
    out: list[str] = []
    for r in range(ROWS):
        part = paragraphs[r * share:(r + 1) * share]
        cut = int(len(part) * (turn % 1.0))
        out += part[cut:] + part[:cut]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turn", type=float, default=0.0, help="share of each row to rotate past (0-1)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    text = "".join(turned(mixed_paragraphs(), args.turn))
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(text.encode('utf-8')) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
