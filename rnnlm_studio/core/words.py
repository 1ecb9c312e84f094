"""The word, the unit word perplexity is per: one definition for every count in the app.

A word is a whitespace-separated word, except in Chinese and Japanese, which put no spaces
between words: there each character is a word (per-character perplexity, the usual figure
for Chinese), and mixed text counts both: "我用Python写代码。" is 我 用 Python 写 代 码 。 =
7 words. CJK punctuation and full-width forms are characters of those scripts and count too,
so Chinese text counts nearly all its non-space characters; the general punctuation it shares
with English (curly quotes, "……", "——") is counted as in English, a run of it once. Hangul is
not among them: Korean puts spaces between words.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

# Han (radicals, ideographs and their extensions and compatibility forms), kana, bopomofo, CJK
# punctuation and symbols, full-width forms and half-width katakana. U+3000 (the ideographic
# space) is whitespace, so it is left out.
CJK_CHARS = ("\u2e80-\u2fdf\u2ff0-\u2fff\u3001-\u303f\u3040-\u31ff\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
             "\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff9f\uffe0-\uffe6\U00020000-\U0003134f")
_UNIT = re.compile(f"[{CJK_CHARS}]|[^\\s{CJK_CHARS}]+")
_CJK = re.compile(f"[{CJK_CHARS}]")
_WORD_TAIL = re.compile(f"[^\\s{CJK_CHARS}]*")
LONG_LINE = 1 << 20  # longer lines are cut into pieces this long (a cut never splits a word)
MOSTLY = 0.5  # text whose words are more than this share CJK characters is measured per character


def is_cjk(char: str) -> bool:
    return _CJK.fullmatch(char) is not None


def pieces(line: str) -> Iterator[str]:
    """`line` in pieces of about LONG_LINE characters, each cut moved to the end of the word it
    falls in, so that counting the pieces one by one counts the line exactly."""
    start = 0
    while len(line) - start > LONG_LINE:
        end = _WORD_TAIL.match(line, start + LONG_LINE).end()  # type: ignore[union-attr]
        yield line[start:end]
        start = end
    yield line[start:]


def word_chunks(line: str) -> Iterator[list[str]]:
    """The words of `line` in lists of bounded size (a 50 MB line at once would hold millions of strings)."""
    for piece in pieces(line):
        yield piece.split() if piece.isascii() else _UNIT.findall(piece)


def counts(line: str) -> tuple[int, int]:
    """(words, how many of them are CJK characters) of `line`, holding the strings of one piece's
    words at a time (a 100 MB line split at once held 1.2 GB of them)."""
    words = cjk = 0
    for piece in pieces(line):
        if piece.isascii():
            words += len(piece.split())
            continue
        spaced, found = _CJK.subn(" ", piece)
        words += found + len(spaced.split())
        cjk += found
    return words, cjk


def count_words(line: str) -> int:
    return counts(line)[0]


def word_unit(n_words: int, n_cjk: int) -> str:
    """What `word_ppl` is per: "character" for mostly Chinese/Japanese text, else "word"."""
    return "character" if n_cjk > MOSTLY * n_words else "word"


def split_partial(prompt: str) -> tuple[str, str]:
    """(context, the word being typed), for autocomplete: "the ki" -> ("the ", "ki"), "the " ->
    ("the ", ""). A CJK character is a whole word, so "我今天去北京" is all context with nothing
    half-typed, and "我用Pyth" is ("我用", "Pyth"). Punctuation right after Chinese text (an
    opening quote after "笑道：") is context too: no word starts with it there, so taken as typed it
    would leave nothing to suggest."""
    cut = len(prompt)
    while cut > 0 and not prompt[cut - 1].isspace() and not is_cjk(prompt[cut - 1]):
        cut -= 1
    partial = prompt[cut:]
    if cut > 0 and is_cjk(prompt[cut - 1]) and not any(char.isalnum() for char in partial):
        return prompt, ""
    return prompt[:cut], partial


def starts_with_cjk(surface: bytes) -> bool:
    """Whether a tokenizer piece's text (UTF-8) begins with a CJK character, which begins a word
    of its own. A lone lead byte (byte fallback spelling a rare character) of U+3000-U+9FFF counts."""
    if not surface:
        return False
    lead = surface[0]
    size = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    if len(surface) < size:
        return 0xE3 <= lead <= 0xE9
    try:
        return is_cjk(surface[:size].decode("utf-8"))
    except UnicodeDecodeError:
        return False
