"""Chinese (and other legacy) encodings are detected, read right and named; made from the real novels."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import CorpusError
from tests.conftest import SHARED_DATA

NOVEL = SHARED_DATA / "chinese-classics" / "hongloumeng.txt"


@pytest.fixture(scope="module")
def chinese() -> str:
    """About 6,000 characters of the novel: full-width punctuation, no spaces, 　 indents."""
    lines = NOVEL.read_text(encoding="utf-8").split("\n")[1:40]
    return "\n".join(lines) + "\n"


def written(tmp_path: Path, data: bytes, name: str = "红楼梦.txt") -> Corpus:
    path = tmp_path / name
    path.write_bytes(data)
    return Corpus.open([path])


@pytest.mark.parametrize("codec, named", [("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16-le", "utf-16le"),
                                          ("utf-16-be", "utf-16be")])
def test_chinese_legacy_and_bomless_files_read_exactly_and_name_their_encoding(
        tmp_path: Path, chinese: str, codec: str, named: str) -> None:
    corpus = written(tmp_path, chinese.encode(codec))
    assert corpus.files[0].encoding == named
    assert "\n".join(corpus.iter_lines()) + "\n" == chinese
    assert corpus.stats().encodings == {named: 1}
    assert len(corpus.warnings) == 1 and named.upper() in corpus.warnings[0] and "detected" in corpus.warnings[0]


def test_big5_file(tmp_path: Path, chinese: str) -> None:
    """The novel is in simplified characters; those Big5 has (most of them) make a traditional-coded text."""
    text = chinese.encode("big5", errors="ignore").decode("big5")
    corpus = written(tmp_path, text.encode("big5"))
    assert corpus.files[0].encoding == "big5"
    assert "\n".join(corpus.iter_lines()) + "\n" == text


def test_utf16_without_bom_holding_ascii_is_text_not_binary(tmp_path: Path, chinese: str) -> None:
    """ASCII characters put NUL bytes in UTF-16, which alone would mean a binary file."""
    text = "Chapter 1: " + chinese[:2000] + "Mixed 中文 and English, 100% fine.\n"
    for codec, named in (("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be")):
        corpus = written(tmp_path, text.encode(codec), f"{codec}.txt")
        assert corpus.files[0].encoding == named
        assert "\n".join(corpus.iter_lines()) + "\n" == text


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_files_need_no_detection_and_warn_of_nothing(tmp_path: Path, chinese: str, codec: str) -> None:
    text = chinese + "我用Python写代码，ＡＢＣ１２３。\n"
    corpus = written(tmp_path, text.encode(codec))
    assert "\n".join(corpus.iter_lines()) + "\n" == text
    assert corpus.warnings == []
    assert corpus.files[0].encoding.replace("_", "-").startswith(codec[:6])
    assert corpus.stats().scripts[0] == "CJK"


def test_detection_looks_where_the_utf8_breaks(tmp_path: Path, chinese: str) -> None:
    """A GBK file whose first 64 KB are plain ASCII is still detected, not read as cp1252 mojibake."""
    head = "plain ascii line\n" * 5000
    corpus = written(tmp_path, (head + chinese).encode("gbk"))
    assert corpus.files[0].encoding == "gb18030"
    assert list(corpus.iter_lines())[-1] == chinese.rstrip("\n").split("\n")[-1]


def test_western_single_byte_text_stays_cp1252(tmp_path: Path) -> None:
    """The detector cannot tell Latin code pages apart (it says cp1250, turning "très" into "trčs")."""
    text = "Ça va très bien, merci. Où est la gare? “Quoted” — naïve.\n" * 5
    corpus = written(tmp_path, text.encode("cp1252"), "french.txt")
    assert corpus.files[0].encoding == "cp1252"
    assert "\n".join(corpus.iter_lines()) + "\n" == text


def test_cyrillic_code_page_is_detected(tmp_path: Path) -> None:
    text = "Здравствуй, мир. Это проверка русского текста в старой кодировке.\n" * 10
    corpus = written(tmp_path, text.encode("cp1251"), "russian.txt")
    assert corpus.files[0].encoding == "cp1251"
    assert "\n".join(corpus.iter_lines()) + "\n" == text


def test_nul_bytes_that_are_not_utf16_text_still_mean_binary(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="NUL"):
        written(tmp_path, b"some text\x00more text\n", "nul.txt")
    with pytest.raises(CorpusError, match="binary"):
        written(tmp_path, codecs.BOM_UTF8[:0] + bytes(range(256)) * 64, "noise.txt")
