"""Corpus reading, refusal of non-text, exact statistics and the deterministic split."""
from __future__ import annotations

import codecs
import random
from collections import Counter
from pathlib import Path

import pytest

from rnnlm_studio.core import corpus as corpus_module
from rnnlm_studio.core.corpus import Corpus, CorpusSplit, split_corpus
from rnnlm_studio.core.errors import ConfigError, CorpusError

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def paragraphs_text(count: int, lines_each: int = 2) -> str:
    return "\n\n".join(
        "\n".join(f"paragraph {p} line {i} with some words" for i in range(lines_each)) for p in range(count)) + "\n"


# ---------------------------------------------------------------- refusals


def random_bytes(size: int) -> bytes:
    return random.Random(7).randbytes(size)


@pytest.mark.parametrize("name, data, phrase", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\t\n\r\n   ", "only whitespace"),
    ("image.txt", PNG_HEAD, "binary"),
    ("nul.txt", b"some text\x00more text\n", "NUL"),
    ("noise.txt", random_bytes(4096), "binary"),
    ("controls.txt", bytes(range(1, 9)) * 200 + b"abc", "control characters"),
])
def test_refuses_non_text_naming_the_file(tmp_path: Path, name: str, data: bytes, phrase: str) -> None:
    path = write(tmp_path / name, data)
    with pytest.raises(CorpusError) as err:
        Corpus.open([path])
    message = str(err.value)
    assert str(path) in message
    assert phrase in message
    assert "\n" not in message


def test_refuses_small_random_bytes_without_nul(tmp_path: Path) -> None:
    data = bytes(b for b in random_bytes(2000) if b)[:600]
    path = write(tmp_path / "noise.txt", data)
    with pytest.raises(CorpusError, match="control characters"):
        Corpus.open([path])


def test_refuses_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(CorpusError, match="no such file") as err:
        Corpus.open([missing])
    assert str(missing) in str(err.value)


def test_refuses_folder_without_text(tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    write(folder / "a.png", PNG_HEAD)
    write(folder / "b.py", "print('code is not a corpus')\n")
    write(folder / ".hidden.txt", "hidden text\n")
    write(folder / "LICENSE.bin", PNG_HEAD)
    with pytest.raises(CorpusError, match="no text files") as err:
        Corpus.open([folder])
    assert str(folder.resolve()) in str(err.value)


def test_refuses_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "locked.txt", "secret\n")
    real_open = open

    def guarded(file, *args, **kwargs):
        if Path(file) == path.resolve():
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "open", guarded, raising=False)
    with pytest.raises(CorpusError, match="cannot be read") as err:
        Corpus.open([path])
    assert str(path.resolve()) in str(err.value)
    assert "Permission denied" in str(err.value)


def test_refuses_empty_list() -> None:
    with pytest.raises(CorpusError, match="no text given"):
        Corpus.open([])


# ---------------------------------------------------------------- accepted text


@pytest.mark.parametrize("encoding, name", [
    ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-8-sig", "utf-8-sig")])
def test_reads_text_with_bom(tmp_path: Path, encoding: str, name: str) -> None:
    text = "Grüße, мир\n日本語 line two\n"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-8-sig": b""}[encoding]
    path = write(tmp_path / "bom.txt", bom + text.encode(encoding))
    corpus = Corpus.open([path])
    assert corpus.files[0].encoding == name
    assert list(corpus.iter_lines()) == ["Grüße, мир", "日本語 line two"]
    assert corpus.warnings == []


def test_latin1_falls_back_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "old.txt", "café crème brûlée\nnaïve\n".encode("latin-1"))
    corpus = Corpus.open([path])
    assert list(corpus.iter_lines()) == ["café crème brûlée", "naïve"]
    assert corpus.files[0].encoding in ("cp1252", "latin-1")
    assert len(corpus.warnings) == 1 and str(path.resolve()) in corpus.warnings[0]


def test_invalid_utf8_far_beyond_the_sniffed_head_falls_back(tmp_path: Path) -> None:
    head = ("plain ascii line\n" * 5000).encode()  # 85 KB, longer than the sniffed head
    path = write(tmp_path / "late.txt", head + "smart “quotes”\n".encode("cp1252"))
    corpus = Corpus.open([path])
    assert corpus.files[0].encoding == "cp1252"
    assert list(corpus.iter_lines())[-1] == "smart “quotes”"
    assert f"offset {len(head) + 6}" in corpus.warnings[0]


def test_accepts_ansi_escapes_and_mixed_scripts(tmp_path: Path) -> None:
    text = "\x1b[31mred\x1b[0m text\nЗдравствуй мир\nΓειά σου κόσμε\n你好世界\nمرحبا\n"
    corpus = Corpus.open([write(tmp_path / "mixed.txt", text)])
    assert "\n".join(corpus.iter_lines()) + "\n" == text
    assert set(corpus.stats().scripts) == {"Latin", "Cyrillic", "Greek", "CJK", "Arabic"}


def test_normalises_newlines(tmp_path: Path) -> None:
    path = write(tmp_path / "dos.txt", b"one\r\ntwo\rthree\nfour")
    assert list(Corpus.open([path]).iter_lines()) == ["one", "two", "three", "four"]


def test_folder_is_scanned_recursively_in_sorted_order(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    write(folder / "b.md", "# bee\n")
    write(folder / "a.txt", "ay\n")
    write(folder / "sub" / "c.text", "see\n")
    write(folder / "sub" / "NOTES", "notes text\n")
    write(folder / "sub" / "README", "readme text\n")  # README/LICENSE/SOURCE are never training text
    write(folder / "LICENSE.md", "licence text\n")
    write(folder / "sub" / "blob", PNG_HEAD)  # no suffix and not text: skipped
    write(folder / "notes.csv", "x,y\n")  # unknown suffix: skipped
    write(folder / ".git" / "HEAD.txt", "hidden folder\n")
    write(folder / "empty.txt", "")
    corpus = Corpus.open([folder])
    names = [f.path.relative_to(folder.resolve()).as_posix() for f in corpus.files]
    assert names == ["a.txt", "b.md", "sub/NOTES", "sub/c.text"]
    assert list(corpus.iter_lines()) == ["ay", "# bee", "notes text", "see"]
    assert any("empty.txt" in w and "skipped" in w for w in corpus.warnings)


def test_binary_file_with_text_suffix_in_folder_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "d" / "good.txt", "fine\n")
    bad = write(tmp_path / "d" / "bad.txt", PNG_HEAD)
    with pytest.raises(CorpusError) as err:
        Corpus.open([tmp_path / "d"])
    assert str(bad.resolve()) in str(err.value)


def test_long_single_line(tmp_path: Path) -> None:
    line = "word " * 200_000
    corpus = Corpus.open([write(tmp_path / "long.txt", line)])
    assert list(corpus.iter_lines()) == [line]
    assert corpus.stats().words == 200_000


# ---------------------------------------------------------------- stats, paragraphs, preview


def test_stats_are_exact(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Hello  world\n\nПривет мир\tтаб\n")
    write(tmp_path / "b.txt", "hello world")  # no final newline: still one line
    stats = Corpus.open([tmp_path]).stats()
    assert stats.lines == 4
    assert stats.words == 2 + 0 + 3 + 2
    assert stats.distinct_words == 6  # "world" twice; "Hello" and "hello" differ
    assert stats.chars == 13 + 1 + 15 + 12
    assert stats.bytes == 13 + 1 + (12 * 2 + 2 + 1) + 12
    assert stats.files == 2
    assert stats.encodings == {"utf-8": 2}
    assert sorted(stats.scripts) == ["Cyrillic", "Latin"]
    assert stats.to_dict()["words"] == 7


def test_fingerprint_tracks_the_text(tmp_path: Path) -> None:
    a = Corpus.open([write(tmp_path / "a.txt", "same text\n")])
    b = Corpus.open([write(tmp_path / "b.txt", b"\xef\xbb\xbfsame text\r\n")])
    c = Corpus.open([write(tmp_path / "c.txt", "other text\n")])
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    assert len(a.fingerprint()) == 64


def test_paragraphs_end_at_blank_lines_and_files(tmp_path: Path) -> None:
    write(tmp_path / "1.txt", "\nfirst\nstill first\n\n  \nsecond\n")
    write(tmp_path / "2.txt", "third")
    assert list(Corpus.open([tmp_path]).iter_paragraphs()) == ["first\nstill first", "second", "third"]


def test_preview_is_the_head_of_the_text(tmp_path: Path) -> None:
    write(tmp_path / "1.txt", "abc\r\ndef")
    write(tmp_path / "2.txt", "ghi\n" * 1000)
    corpus = Corpus.open([tmp_path])
    assert corpus.preview(10) == "abc\ndef\ngh"
    assert len(corpus.preview()) == 2000


# ---------------------------------------------------------------- split


def split_lines(parts: dict[str, CorpusSplit]) -> dict[str, list[str]]:
    return {name: list(part.iter_lines()) for name, part in parts.items()}


def test_split_by_paragraph_is_deterministic_disjoint_and_complete(tmp_path: Path) -> None:
    corpus = Corpus.open([write(tmp_path / "p.txt", paragraphs_text(200))])
    first = split_lines(split_corpus(corpus, seed=3))
    again = split_lines(split_corpus(Corpus.open([tmp_path / "p.txt"]), seed=3))
    assert first == again
    assert all(first.values())
    assert Counter(sum(first.values(), [])) == Counter(corpus.iter_lines())
    heads = {name: {line for line in lines if line.endswith("line 0 with some words")} for name, lines in first.items()}
    assert not (heads["train"] & heads["valid"]) and not (heads["train"] & heads["test"])
    for lines in first.values():  # whole paragraphs move together
        for index, line in enumerate(lines):
            if line.endswith("line 1 with some words"):
                assert lines[index - 1] == line.replace("line 1", "line 0")
    assert 140 < len(heads["train"]) < 200


def test_split_depends_on_the_seed(tmp_path: Path) -> None:
    corpus = Corpus.open([write(tmp_path / "p.txt", paragraphs_text(200))])
    a, b = split_lines(split_corpus(corpus, seed=0)), split_lines(split_corpus(corpus, seed=1))
    assert a["valid"] != b["valid"]


def test_split_parts_have_their_own_stats_and_fingerprints(tmp_path: Path) -> None:
    corpus = Corpus.open([write(tmp_path / "p.txt", paragraphs_text(100))])
    parts = split_corpus(corpus)
    assert sum(p.stats().words for p in parts.values()) == corpus.stats().words
    assert sum(p.stats().bytes for p in parts.values()) == corpus.stats().bytes
    prints = {p.fingerprint() for p in parts.values()} | {corpus.fingerprint()}
    assert len(prints) == 4
    assert CorpusSplit(corpus, "valid").fingerprint() == parts["valid"].fingerprint()


def test_few_paragraphs_split_by_lines(tmp_path: Path) -> None:
    corpus = Corpus.open([write(tmp_path / "l.txt", "".join(f"line {i}\n" for i in range(40)))])
    parts = split_corpus(corpus)
    assert parts["train"].layout.mode == "lines"
    lines = split_lines(parts)
    assert all(lines.values())
    assert sorted(sum(lines.values(), [])) == sorted(corpus.iter_lines())


def test_one_long_line_splits_into_character_chunks(tmp_path: Path) -> None:
    text = "".join(f"w{i} " for i in range(3000))
    corpus = Corpus.open([write(tmp_path / "one.txt", text)])
    parts = split_corpus(corpus)
    assert parts["train"].layout.mode == "chunks"
    lines = split_lines(parts)
    assert all(lines.values())
    assert sum(len(line) for part in lines.values() for line in part) == len(text)
    assert len(lines["train"]) > len(lines["valid"])


def test_too_small_to_split(tmp_path: Path) -> None:
    corpus = Corpus.open([write(tmp_path / "tiny.txt", "just a few words\n")])
    with pytest.raises(CorpusError, match="set `valid`") as err:
        split_corpus(corpus)
    assert "tiny.txt" in str(err.value)


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.9, 0.2, 0.1), (1.0, 0.0, 0.0), (0.9, 0.15, -0.05)])
def test_bad_fractions(tmp_path: Path, fractions: tuple[float, ...]) -> None:
    corpus = Corpus.open([write(tmp_path / "p.txt", paragraphs_text(50))])
    with pytest.raises(ConfigError, match="fractions"):
        split_corpus(corpus, fractions)


def test_split_without_test_part(tmp_path: Path) -> None:
    corpus = Corpus.open([write(tmp_path / "p.txt", paragraphs_text(50))])
    lines = split_lines(split_corpus(corpus, (0.9, 0.1, 0.0)))
    assert lines["test"] == [] and lines["valid"] and lines["train"]


@pytest.mark.parametrize("line", ["a bb  ccc\tdddd e", "  lead and trail  ", "oneverylongwordwithoutspaces", "x y", ""])
def test_long_lines_are_counted_piecewise_and_exactly(monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    monkeypatch.setattr(corpus_module, "LONG_LINE", 3)
    assert [w for chunk in corpus_module.word_chunks(line) for w in chunk] == line.split()
    assert corpus_module.count_words(line) == len(line.split())
    text = line + "é—"
    assert corpus_module.utf8_len(text) == len(text.encode("utf-8"))
