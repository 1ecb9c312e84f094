"""The word unit: whitespace words, and each Chinese/Japanese character a word of its own."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlm_studio.core import words
from rnnlm_studio.core.corpus import Corpus, count_words
from rnnlm_studio.core.events import DoneEvent
from rnnlm_studio.core.stream import encode_source
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.progress import done_table
from tests.conftest import SHARED_DATA

NOVEL = SHARED_DATA / "chinese-classics" / "hongloumeng.txt"


@pytest.mark.parametrize("line, expected", [
    ("满纸荒唐言，一把辛酸泪。", 12),  # the example: 10 characters and 2 full-width marks
    ("我用Python写代码。", 7),
    ("我用 Python 3.11 写代码", 7),
    ("Hello, world!  two  words", 4),
    ("你好\u3000world", 3),  # the ideographic space is a space
    ("ＡＢＣ１２３", 6),  # full-width forms are characters of their own
    ("ひらがなとカタカナ", 9),
    ("안녕 하세요", 2),  # Korean puts spaces between its words
    ("", 0),
    ("   ", 0),
])
def test_count_words(line: str, expected: int) -> None:
    assert count_words(line) == expected


@pytest.mark.parametrize("line", ["a bb  ccc\tdddd e", "oneverylongwordwithoutspaces", "满纸荒唐言一把辛酸泪",
                                  "我用Python写代码 and more 文字x", "  lead 和 trail  "])
def test_long_lines_count_piecewise_exactly(monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    whole = list(words.word_chunks(line))[0]
    monkeypatch.setattr(words, "LONG_LINE", 3)
    assert len(list(words.pieces(line))) > 1 or len(line) <= 3
    assert "".join(words.pieces(line)) == line
    assert [w for chunk in words.word_chunks(line) for w in chunk] == whole
    assert words.counts(line) == (len(whole), sum(map(words.is_cjk, line)))


def test_word_unit_is_character_for_mostly_chinese_text() -> None:
    line = NOVEL.read_text(encoding="utf-8").split("\n")[1]
    n, cjk = words.counts(line)
    assert n == len("".join(line.split())) - line.count("……") - line.count("——")
    assert words.word_unit(n, cjk) == "character"
    english = "The quick brown fox jumps over the lazy dog, 狐狸."
    assert words.word_unit(*words.counts(english)) == "word"


def test_corpus_statistics_count_characters_as_words(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text("我用Python写代码。\n满纸荒唐言\n", encoding="utf-8")
    stats = Corpus.open([path]).stats()
    assert stats.words == 12
    assert stats.distinct_words == 12


def test_encoded_text_carries_its_word_unit_and_old_caches_are_recounted(tmp_path: Path) -> None:
    text = "\n".join(NOVEL.read_text(encoding="utf-8").split("\n")[1:30]) + "\n"
    path = tmp_path / "红楼梦.txt"
    path.write_text(text, encoding="utf-8")
    corpus = Corpus.open([path])
    tokenizer, _ = Tokenizer.train(corpus, "char", 300)
    array = encode_source(tokenizer, corpus, tmp_path / "cache")
    assert array.n_words == sum(count_words(line) for line in text.split("\n"))
    assert 0.99 < array.n_words / len("".join(text.split())) <= 1  # nearly every character; "……" is one
    assert array.word_unit == "character"
    meta = next((tmp_path / "cache").glob("*.json"))
    info = json.loads(meta.read_text())
    del info["n_cjk"]  # a cache written before characters counted as words
    info["n_words"] = 29
    meta.write_text(json.dumps(info))
    assert encode_source(tokenizer, corpus, tmp_path / "cache").n_words == array.n_words


def test_console_table_names_per_character_perplexity() -> None:
    metrics = {"loss": 3.0, "ppl": 20.0, "word_ppl": 20.0, "bpb": 2.0}
    event = DoneEvent(run_id="r", run_dir="/tmp/r", step=1, tokens_seen=1, elapsed=1.0, tokens_per_s=1.0,
                      reason="done", valid=metrics, test={}, best_checkpoint="", word_unit="character")
    assert "char ppl" in done_table(event) and "word ppl" not in done_table(event)
    assert json.loads(event.to_json())["word_unit"] == "character"
    event.word_unit = "word"
    assert "word ppl" in done_table(event)
