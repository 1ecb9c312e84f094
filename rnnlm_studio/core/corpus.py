"""Read training text from files and folders, refuse what is not text, count it and split it.

Every consumer (tokenizer training, encoding, statistics) reads the text through
`iter_lines()`, one line at a time, so a corpus far larger than memory works and every
count (words, bytes) is taken from exactly the text the model sees. Files are checked
up front so a bad file is refused before minutes of training, not in the middle of it.
"""
from __future__ import annotations

import codecs
import hashlib
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .paths import user_path
from .errors import ConfigError, CorpusError, give
from .validation import special_kind
from .words import LONG_LINE, count_words, word_chunks

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".tokens"})
NOTICE_STEMS = frozenset({"README", "LICENSE", "LICENCE", "SOURCE", "COPYING", "NOTICE", "AUTHORS", "CHANGELOG"})
SNIFF_BYTES = 64 * 1024
READ_BYTES = 1 << 20
CONTROL_LIMIT = 0.10  # more control characters than this in the sample means binary
MIN_SPLIT_UNITS = 30  # fewer paragraphs than this: split by lines, then by characters
MIN_SPLIT_CHARS = 300
MAX_SPLIT_CHUNKS = 1000

# C0/C1 controls except the whitespace ones and ESC (ANSI colour codes are text).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
# Reading codec per detected encoding: Python's "utf-16" consumes the BOM of either byte order.
# A BOM-less UTF-16 file is named "utf-16le"/"utf-16be" and read as it is (see `_detect`).
_CODECS = {"utf-16-le": "utf-16", "utf-16-be": "utf-16"}
_WIDTH_WORDS = frozenset({"HALFWIDTH", "FULLWIDTH"})
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass
class TextFile:
    path: Path
    encoding: str
    size: int  # bytes on disk


@dataclass
class CorpusStats:
    files: int
    bytes: int
    chars: int
    lines: int
    words: int
    distinct_words: int
    encodings: dict[str, int]
    scripts: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


class TextSource(Protocol):
    """What the tokenizer and the encoder consume: a corpus or one part of its split."""

    def iter_lines(self) -> Iterator[str]: ...

    def fingerprint(self) -> str: ...

    def stats(self) -> CorpusStats: ...


def utf8_len(line: str) -> int:
    """UTF-8 size without encoding the (usual) pure-ASCII line, nor a huge line at once."""
    if line.isascii():
        return len(line)
    return sum(len(line[i:i + LONG_LINE].encode("utf-8")) for i in range(0, len(line), LONG_LINE))


class _Tally:
    """Counts lines, words, bytes and scripts in one pass; shared by a corpus and its splits."""

    def __init__(self) -> None:
        self.lines = self.chars = self.bytes = self.words = 0
        self.vocab: set[str] = set()
        self.seen_chars: set[str] = set()

    def add(self, line: str) -> None:
        self.lines += 1
        self.chars += len(line) + 1
        self.bytes += utf8_len(line) + 1
        for words in word_chunks(line):
            self.words += len(words)
            self.vocab.update(words)
        self.seen_chars.update(line)

    def stats(self, files: list[TextFile]) -> CorpusStats:
        return CorpusStats(
            files=len(files), bytes=self.bytes, chars=self.chars, lines=self.lines, words=self.words,
            distinct_words=len(self.vocab), encodings=dict(Counter(f.encoding for f in files)),
            scripts=_scripts(self.seen_chars))


def _scripts(chars: set[str]) -> list[str]:
    """Writing systems by the first word of each letter's Unicode name, most letters first."""
    counts: Counter[str] = Counter()
    for char in chars:
        if char.isalpha():
            words = [w for w in unicodedata.name(char, "").split() if w not in _WIDTH_WORDS]
            if words:
                script = words[0].split("-")[0]
                counts["CJK" if script == "CJK" else script.capitalize()] += 1
    return [name for name, _ in counts.most_common()]


# ---------------------------------------------------------------- validation


def _refuse(path: Path, problem: str, fix: str) -> CorpusError:
    return CorpusError(f"{path}: {problem}; {fix}")


def _binary(path: Path, why: str) -> CorpusError:
    return _refuse(path, f"looks like a binary file, not text ({why})",
                   "remove it from the corpus or convert it to plain text")


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError as err:
        raise _refuse(path, f"cannot be read ({err.strerror or err})", "check that it exists and that you may read it")


def _legacy_encoding(data: bytes) -> str:
    """cp1252 where every byte is defined (smart quotes, euro sign), else Latin-1, which never fails."""
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _detect(sample: bytes) -> str | None:
    """The encoding charset-normalizer finds for `sample` (GB18030, Big5, Shift-JIS, cp1251, BOM-less
    UTF-16...), as a Python codec name; None if it finds none.

    On Latin-script text it cannot tell the single-byte code pages apart (it reads French cp1252
    "très" as cp1250 "trčs"), so a single-byte answer that decodes to Latin letters only becomes
    the usual cp1252 / Latin-1 guess. A BOM-less UTF-16 is named "utf-16le"/"utf-16be", since the
    "utf-16-le"/"utf-16-be" names mean a file with a BOM (read by the BOM-consuming codec).
    """
    import charset_normalizer  # 90 ms to import: only files that are not UTF-8 pay for it

    match = charset_normalizer.from_bytes(sample).best()
    if match is None:
        return None
    name = codecs.lookup(match.encoding).name
    if name.startswith("utf-16-"):
        return name.replace("utf-16-", "utf-16")
    if name in ("gbk", "gb2312"):
        return "gb18030"  # a superset, so a rare character further on still decodes
    letters = {char for char in str(match) if char.isalpha()}
    if _single_byte(name) and all(unicodedata.name(char, "").startswith("LATIN") for char in letters):
        return _legacy_encoding(sample)
    return name


def _single_byte(codec: str) -> bool:
    """Whether every byte is a character of its own: a multi-byte codec pairs up lead bytes."""
    return len(bytes(range(0x80, 0x100)).decode(codec, errors="replace")) == 0x80


def _sniff(path: Path, head: bytes) -> str:
    """The encoding a BOM names, else UTF-8 to be verified; refuses obvious binaries."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding = name
            break
    else:
        encoding = "utf-8"
        if b"\0" in head:
            # NUL bytes: binary, or UTF-16 saved without a byte-order mark, where they are the high
            # bytes of ASCII characters (line ends, spaces), so its text must hold some of those.
            encoding = _detect(head) or ""
            if not (encoding.startswith("utf-16") and re.search("[\t\n\r -~]", head.decode(encoding, "replace"))):
                raise _binary(path, "it contains NUL bytes")
    codec = _CODECS.get(encoding, encoding)
    try:
        sample = codecs.getincrementaldecoder(codec)(errors="strict").decode(head, final=False)
    except UnicodeDecodeError:
        # Seen as Latin-1, legacy bytes 0x80-0x9F are C1 controls: random bytes show many, text few.
        sample = head.decode("utf-16-le" if codec == "utf-16" else "latin-1", errors="replace")
    if "\0" in sample:
        raise _binary(path, "it contains NUL characters")
    if sample and len(_CONTROL.findall(sample)) > CONTROL_LIMIT * len(sample):
        raise _binary(path, "it is mostly control characters")
    return encoding


@dataclass
class _Check:
    decodes: bool
    has_text: bool
    bad_offset: int = 0


def _check_whole(path: Path, encoding: str) -> _Check:
    """Decode the whole file in bounded chunks: invalid bytes may sit far beyond the sniffed head."""
    decoder = codecs.getincrementaldecoder(_CODECS.get(encoding, encoding))()
    raw_nul = not encoding.startswith("utf-16")
    has_text = False
    offset = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(READ_BYTES):
                if raw_nul and b"\0" in chunk:
                    raise _binary(path, "it contains NUL bytes")
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as err:
                    return _Check(False, has_text, offset + err.start)
                if not raw_nul and "\0" in text:
                    raise _binary(path, "it contains NUL characters")
                if not has_text:
                    has_text = bool(text.strip())
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:
        return _Check(False, has_text, offset + err.start)
    except OSError as err:
        raise _refuse(path, f"cannot be read ({err.strerror or err})", "check that you may read it")
    return _Check(True, has_text)


def _sample_at(path: Path, head: bytes, offset: int) -> bytes:
    """What the detector reads: the head, or for a file that goes wrong further on, the text
    around the first bad byte, from a line start so no multi-byte character is cut."""
    if offset < len(head) - 1024:
        return head
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, offset - SNIFF_BYTES // 2))
            data = handle.read(SNIFF_BYTES)
    except OSError:
        return head
    return data[data.find(b"\n") + 1:] if offset > SNIFF_BYTES // 2 else data


def _inspect(path: Path, warnings: list[str]) -> TextFile | None:
    """The file's encoding, or None for a file with no visible text; raises CorpusError for a binary."""
    head = _read_head(path)
    encoding = _sniff(path, head)
    check = _check_whole(path, encoding)
    if not check.decodes:
        bad_offset = check.bad_offset
        candidates = [_legacy_encoding(head), "latin-1"] if encoding.startswith("utf-8") else ["latin-1"]
        detected = _detect(_sample_at(path, head, bad_offset)) if encoding.startswith("utf-8") else None
        for fallback in dict.fromkeys([detected, *candidates] if detected else candidates):
            check = _check_whole(path, fallback)
            if check.decodes:
                break
        how = "detected" if fallback == detected and fallback not in candidates else "guessed"
        warnings.append(f"{path}: not valid {encoding.upper()} (bad byte at offset {bad_offset}); read as "
                        f"{fallback.upper()} ({how}) instead - re-save it as UTF-8 if the text looks wrong")
        encoding = fallback
    elif encoding in ("utf-16le", "utf-16be"):
        warnings.append(f"{path}: read as {encoding.upper()} (detected: the file has no byte-order mark)")
    if not check.has_text:
        return None
    return TextFile(path=path, encoding=encoding, size=path.stat().st_size)


def _walk(folder: Path) -> Iterator[Path]:
    """Every non-hidden file under `folder`, hidden folders pruned, symlinked folders not followed."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(root) / name


def _refuse_special(path: Path) -> None:
    """A FIFO would block the read forever and a device never ends: refused from its status, unopened."""
    kind = special_kind(path)
    if kind is not None and kind != "a folder":
        raise _refuse(path, f"is {kind}, not a regular file", "give text files (remove it from the folder)")


def is_notice(path: Path) -> bool:
    """README, LICENSE, SOURCE (and the like) describe a corpus; they are never its text."""
    return path.name.split(".")[0].upper() in NOTICE_STEMS


def _folder_files(folder: Path, warnings: list[str]) -> list[TextFile]:
    """Text files of a folder: known suffixes must be text; suffix-less files are taken only if they are."""
    found = []
    for path in _walk(folder):
        suffix = path.suffix.lower()
        _refuse_special(path)
        if (suffix not in TEXT_SUFFIXES and suffix != "") or is_notice(path):
            continue
        try:
            text_file = _inspect(path, warnings)
        except CorpusError:
            if suffix:
                raise
            continue
        if text_file is None:
            warnings.append(f"{path}: empty or whitespace only; skipped")
        else:
            found.append(text_file)
    if not found:
        raise _refuse(folder, "the folder holds no text files (.txt, .md, .text or text without a suffix)",
                      "point to a folder or file with UTF-8 text")
    return found


def _open_path(raw: str | Path, warnings: list[str]) -> list[TextFile]:
    path = user_path(raw)
    if not path.exists():
        raise _refuse(path, "no such file or folder", "check the path")
    path = path.resolve()
    if path.is_dir():
        return _folder_files(path, warnings)
    _refuse_special(path)
    text_file = _inspect(path, warnings)
    if text_file is None:
        problem = "the file is empty" if path.stat().st_size == 0 else "the file holds only whitespace"
        raise _refuse(path, problem, "give a file with text in it")
    return [text_file]


ROLE_WORDS = {"train": "train", "training": "train", "valid": "valid", "validation": "valid", "dev": "valid",
              "test": "test"}


def file_role(path: Path) -> str | None:
    """`train.txt`, `valid.txt`, `test.txt` or `*.train.*` names (WikiText's `wiki.valid.tokens`)."""
    parts = path.name.lower().split(".")
    return next((ROLE_WORDS[part] for part in (parts[:-1] if len(parts) > 1 else []) if part in ROLE_WORDS), None)


@dataclass
class DataLayout:
    """What each given path is used for: folders laid out by role are taken apart (DESIGN.md)."""

    train: list[Path | str]
    valid: list[Path]
    test: list[Path]
    notes: list[str]


def data_layout(paths: Sequence[str | Path]) -> DataLayout:
    """Folders holding role-named files give their files those roles, so test text never trains;
    other paths are training text. The notes say what was used for what."""
    layout = DataLayout([], [], [], [])
    for raw in paths:
        folder = user_path(raw)
        roles: dict[str, list[Path]] = {}
        others: list[str] = []
        if folder.is_dir():
            for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
                role = file_role(path) if not path.is_dir() else None
                if role is not None:
                    roles.setdefault(role, []).append(path)
                elif not path.is_dir() and not is_notice(path):
                    others.append(path.name)
        if not roles:
            layout.train.append(raw)
            continue
        if "train" not in roles:
            found = ", ".join(p.name for files in roles.values() for p in files)
            raise _refuse(folder, f"holds {found} but no train.* file, and test or validation text never trains",
                          f"name the training text train.txt, or {give('train', 'FILE')} and {give('valid', 'FILE')}")
        layout.train += roles["train"]
        layout.valid += roles.get("valid", [])
        layout.test += roles.get("test", [])
        used = "; ".join(f"{role}: {', '.join(p.name for p in files)}" for role, files in roles.items())
        skipped = f"; not used: {', '.join(others)}" if others else ""
        layout.notes.append(f"{folder}: files named for their roles ({used}){skipped}")
    return layout


# ---------------------------------------------------------------- reading


def _file_lines(text_file: TextFile) -> Iterator[str]:
    """Lines without their newline; universal newlines turn \\r\\n and \\r into \\n."""
    codec = _CODECS.get(text_file.encoding, text_file.encoding)
    try:
        with open(text_file.path, encoding=codec, newline=None) as handle:
            for line in handle:
                yield line[:-1] if line.endswith("\n") else line
    except (OSError, UnicodeDecodeError) as err:
        raise _refuse(text_file.path, f"changed or vanished since the corpus was opened ({err})",
                      "open the corpus again") from None


def _paragraph_numbered(text_file: TextFile, first: int) -> Iterator[tuple[int, str]]:
    """(unit, line) with units = paragraphs; blank lines stay with the paragraph they follow."""
    unit, has_text, after_blank = first, False, False
    for line in _file_lines(text_file):
        blank = not line.strip()
        if not blank and has_text and after_blank:
            unit += 1
        has_text = has_text or not blank
        after_blank = blank
        yield unit, line


@dataclass
class CorpusSummary:
    stats: CorpusStats
    digest: str
    paragraphs: int


class Corpus:
    """The training text: validated files read in sorted path order."""

    def __init__(self, files: list[TextFile], warnings: list[str]) -> None:
        self.files = files
        self.warnings = warnings
        self._summary: CorpusSummary | None = None
        self._plans: dict[tuple, np.ndarray] = {}

    @classmethod
    def open(cls, paths: Sequence[str | Path]) -> Corpus:
        if isinstance(paths, (str, Path)):
            paths = [paths]
        if not paths:
            raise CorpusError("no text given: pass at least one file or folder")
        warnings: list[str] = []
        unique: dict[Path, TextFile] = {}
        for raw in paths:
            for text_file in _open_path(raw, warnings):
                unique.setdefault(text_file.path, text_file)
        files = sorted(unique.values(), key=lambda f: str(f.path))
        return cls(files, warnings)

    def describe(self) -> str:
        """The files, for messages: one name, or the first and a count."""
        first = str(self.files[0].path)
        return first if len(self.files) == 1 else f"{first} and {len(self.files) - 1} more files"

    def iter_lines(self) -> Iterator[str]:
        for text_file in self.files:
            yield from _file_lines(text_file)

    def iter_paragraphs(self) -> Iterator[str]:
        for text_file in self.files:
            block: list[str] = []
            for line in _file_lines(text_file):
                if line.strip():
                    block.append(line)
                elif block:
                    yield "\n".join(block)
                    block = []
            if block:
                yield "\n".join(block)

    def numbered_paragraph_lines(self) -> Iterator[tuple[int, str]]:
        """Every line with its paragraph number; paragraphs never span files."""
        units = 0
        for text_file in self.files:
            unit = units - 1
            for unit, line in _paragraph_numbered(text_file, units):
                yield unit, line
            units = unit + 1

    def summary(self) -> CorpusSummary:
        """One pass computes statistics, fingerprint and paragraph count together.

        The fingerprint marks file ends too: they end paragraphs, so they shape the split.
        """
        if self._summary is None:
            tally, digest, units = _Tally(), hashlib.sha256(), 0
            for text_file in self.files:
                unit = units - 1
                for unit, line in _paragraph_numbered(text_file, units):
                    tally.add(line)
                    for start in range(0, len(line), LONG_LINE):  # a huge line is never encoded whole
                        digest.update(line[start:start + LONG_LINE].encode("utf-8"))
                    digest.update(b"\n")
                units = unit + 1
                digest.update(b"\0")
            self._summary = CorpusSummary(tally.stats(self.files), digest.hexdigest(), units)
        return self._summary

    def fingerprint(self) -> str:
        return self.summary().digest

    def stats(self) -> CorpusStats:
        return self.summary().stats

    def preview(self, max_chars: int = 2000) -> str:
        """The head of the normalised text without reading a huge first line in full."""
        parts: list[str] = []
        left = max_chars
        for text_file in self.files:
            if left <= 0:
                break
            codec = _CODECS.get(text_file.encoding, text_file.encoding)
            with open(text_file.path, encoding=codec, newline=None, errors="replace") as handle:
                text = handle.read(left)
                if len(text) < left and text and not text.endswith("\n"):
                    text += "\n"
            parts.append(text[:left])
            left -= len(parts[-1])
        return "".join(parts)


# ---------------------------------------------------------------- splitting


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    values = tuple(float(f) for f in fractions)
    if len(values) != 3 or min(values) < 0 or abs(sum(values) - 1) > 1e-6 or values[0] <= 0 or values[1] <= 0:
        raise ConfigError(f"split fractions {list(fractions)} are invalid: give three non-negative numbers "
                          "(train, valid, test) that sum to 1, with train and valid above 0")
    return values  # type: ignore[return-value]


@dataclass
class _Layout:
    mode: str  # paragraphs | lines | chunks
    units: int
    chunk_chars: int = 0


def _layout(corpus: Corpus) -> _Layout:
    """The coarsest unit with enough pieces: paragraphs keep topics together, chunks always exist."""
    summary = corpus.summary()
    if summary.paragraphs >= MIN_SPLIT_UNITS:
        return _Layout("paragraphs", summary.paragraphs)
    if summary.stats.lines >= MIN_SPLIT_UNITS:
        return _Layout("lines", summary.stats.lines)
    chars = summary.stats.chars
    if chars < MIN_SPLIT_CHARS:
        raise CorpusError(f"{corpus.describe()}: too small to split into train/valid/test ({chars} characters); "
                          f"add text, or {give('valid', 'FILE')} (a separate validation file)")
    chunks = min(MAX_SPLIT_CHUNKS, max(MIN_SPLIT_UNITS, chars // 10_000))
    size = math.ceil(chars / chunks)
    return _Layout("chunks", math.ceil(chars / size), size)


def _draw_parts(units: int, fractions: tuple[float, float, float], seed: int) -> np.ndarray:
    """A seeded draw per unit (0 train, 1 valid, 2 test), forcing one unit into each non-empty part."""
    rng = np.random.default_rng(seed)
    bounds = np.array([fractions[0], fractions[0] + fractions[1]])
    parts = np.empty(units, dtype=np.int8)
    block = 1 << 20
    for start in range(0, units, block):
        draws = rng.random(min(block, units - start))
        parts[start:start + len(draws)] = np.searchsorted(bounds, draws, side="right")
    for part in (1, 2):
        if fractions[part] > 0 and not (parts == part).any():
            train = np.flatnonzero(parts == 0)
            if len(train) > 1:
                parts[train[-1]] = part
    return parts


def _chunk_numbered(lines: Iterator[str], size: int) -> Iterator[tuple[int, str]]:
    """Cut the text (lines joined by \\n) into `size`-character chunks; a cut line becomes two lines."""
    pos = 0
    for line in lines:
        text = line + "\n"
        start = 0
        while start < len(text):
            take = size - pos % size
            piece = text[start:start + take]
            if not (start > 0 and piece == "\n"):
                yield pos // size, piece[:-1] if piece.endswith("\n") else piece
            start += len(piece)
            pos += len(piece)


def _numbered_lines(corpus: Corpus, layout: _Layout) -> Iterator[tuple[int, str]]:
    if layout.mode == "paragraphs":
        return corpus.numbered_paragraph_lines()
    if layout.mode == "lines":
        return enumerate(corpus.iter_lines())
    return _chunk_numbered(corpus.iter_lines(), layout.chunk_chars)


PARTS = ("train", "valid", "test")


class CorpusSplit:
    """One part of a deterministic, streaming split of a corpus; a TextSource of its own."""

    def __init__(self, corpus: Corpus, part: str, fractions: Sequence[float] = (0.9, 0.05, 0.05),
                 seed: int = 0) -> None:
        if part not in PARTS:
            raise ConfigError(f"unknown split part {part!r}: use train, valid or test")
        self.corpus = corpus
        self.part = part
        self.fractions = _check_fractions(fractions)
        self.seed = seed
        self.layout = _layout(corpus)
        key = (self.fractions, seed)
        if key not in corpus._plans:
            corpus._plans[key] = _draw_parts(self.layout.units, self.fractions, seed)
        self._parts = corpus._plans[key]
        self._stats: CorpusStats | None = None

    def units(self) -> int:
        """How many paragraphs, lines or chunks this part holds."""
        return int((self._parts == PARTS.index(self.part)).sum())

    def iter_lines(self) -> Iterator[str]:
        wanted = PARTS.index(self.part)
        parts = self._parts
        for unit, line in _numbered_lines(self.corpus, self.layout):
            if parts[unit] == wanted:
                yield line

    def fingerprint(self) -> str:
        """Derived from the corpus and the split settings, which fix the text exactly."""
        spec = f"{self.corpus.fingerprint()}|{self.part}|{self.fractions}|{self.seed}|{self.layout.mode}|split-v1"
        return hashlib.sha256(spec.encode()).hexdigest()

    def stats(self) -> CorpusStats:
        if self._stats is None:
            tally = _Tally()
            for line in self.iter_lines():
                tally.add(line)
            self._stats = tally.stats(self.corpus.files)
        return self._stats


def split_corpus(corpus: Corpus, fractions: Sequence[float] = (0.9, 0.05, 0.05),
                 seed: int = 0) -> dict[str, CorpusSplit]:
    parts = {name: CorpusSplit(corpus, name, fractions, seed) for name in PARTS}
    for name in PARTS:
        if parts[name].fractions[PARTS.index(name)] > 0 and parts[name].units() == 0:
            raise CorpusError(f"{corpus.describe()}: too small to give every part of the split some text; "
                              f"add text, or {give('valid', 'FILE')} (a separate validation file)")
    return parts


__all__ = ["Corpus", "CorpusSplit", "CorpusStats", "TextFile", "TextSource", "count_words", "split_corpus", "utf8_len"]
