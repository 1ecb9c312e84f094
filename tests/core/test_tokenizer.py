"""SentencePiece training, exact round trips, vocabulary adjustment and model files."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlm_studio.core import tokenizer as tokenizer_module
from rnnlm_studio.core.corpus import Corpus, CorpusStats
from rnnlm_studio.core.errors import ConfigError, CorpusError, ModelFileError
from rnnlm_studio.core.tokenizer import Tokenizer, chop


class LinesSource:
    """A TextSource over a list of lines, for texts no file needs to hold."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def iter_lines(self) -> Iterator[str]:
        return iter(self.lines)

    def fingerprint(self) -> str:
        return str(hash(tuple(self.lines)))

    def stats(self) -> CorpusStats:
        raise NotImplementedError


@pytest.fixture(scope="module")
def corpus(shakespeare_small: dict[str, Path]) -> Corpus:
    return Corpus.open([shakespeare_small["train"]])


@pytest.fixture(scope="module")
def unigram(corpus: Corpus) -> Tokenizer:
    return Tokenizer.train(corpus, "unigram", 400)[0]


# Every character but SentencePiece's own meta symbol U+2581, which it reads as a space.
TEXT = st.text(st.characters(exclude_characters="\u2581", exclude_categories=("Cs",)), max_size=80)
SAMPLES = ["", "\n", "\n\n", " leading space", "  two leading", "trailing  \n", "tab\there\t",
           "emoji 😀🎉 and 日本語\n", "multiple   spaces\n\n  indented\nno newline at end", "\x1b[1mbold\x1b[0m"]


def test_trains_with_reserved_ids(unigram: Tokenizer) -> None:
    assert unigram.kind == "unigram"
    assert unigram.vocab_size == 400
    assert (unigram.unk_id, unigram.eos_id) == (0, 1)
    assert len(unigram.pieces()) == 400 and unigram.id_to_piece(unigram.piece_to_id("<0x41>")) == "<0x41>"


@pytest.mark.parametrize("text", SAMPLES)
def test_round_trip_examples(unigram: Tokenizer, text: str) -> None:
    assert unigram.decode(unigram.encode_lines(text)) == text


@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_round_trip_any_text(unigram: Tokenizer, text: str) -> None:
    ids = unigram.encode_lines(text)
    assert unigram.unk_id not in ids
    assert unigram.decode(ids) == text


def test_encode_lines_puts_eos_after_each_terminated_line(unigram: Tokenizer) -> None:
    eos = unigram.eos_id
    a, b = unigram.encode("first"), unigram.encode("second")
    assert unigram.encode_lines("first\nsecond") == a + [eos] + b
    assert unigram.encode_lines("first\nsecond\n") == a + [eos] + b + [eos]
    assert unigram.encode_lines("\n") == [eos]
    assert eos not in unigram.encode("no newline here")
    assert unigram.decode([eos, eos]) == "\n\n"


def test_word_starts(unigram: Tokenizer) -> None:
    ids = unigram.encode_lines("hello world\nagain\n")
    starts = [unigram.is_word_start(i) for i in ids]
    assert starts[0]  # a line's first piece begins a word
    assert sum(starts) == 3 + 2  # three words and two end-of-lines
    assert unigram.is_word_start(unigram.eos_id)
    assert not unigram.is_word_start(unigram.piece_to_id("<0x41>"))
    assert unigram.word_start_mask().sum() == sum(p.startswith("\u2581") for p in unigram.pieces()) + 1


@pytest.mark.parametrize("kind", ["bpe", "char"])
def test_other_kinds_train_and_round_trip(corpus: Corpus, kind: str) -> None:
    tok, warnings = Tokenizer.train(corpus, kind, 400)
    assert tok.kind == kind and warnings == []
    text = "To be, or not to be: that is the question.\n  Ünïcode 😀\n"
    assert tok.decode(tok.encode_lines(text)) == text
    if kind == "char":
        assert all(len(p) == 1 or p.startswith("<") for p in tok.pieces())


def test_too_large_vocabulary_is_lowered_with_a_warning() -> None:
    source = LinesSource([f"the cat number {i} sat on the mat" for i in range(200)])
    tok, warnings = Tokenizer.train(source, "unigram", 5000)
    assert len(warnings) == 1
    assert warnings[0].startswith("vocabulary lowered from 5000 to ")
    assert warnings[0].endswith("the corpus is too small for 5000 pieces")
    assert tok.vocab_size == int(warnings[0].split()[5].rstrip(":"))
    assert tok.vocab_size < 5000


@pytest.mark.parametrize("kind", ["unigram", "char"])
def test_too_small_vocabulary_is_raised_with_a_warning(corpus: Corpus, kind: str) -> None:
    tok, warnings = Tokenizer.train(corpus, kind, 50)
    assert len(warnings) == 1 and warnings[0].startswith("vocabulary raised from 50 to ")
    assert tok.vocab_size > 256


@pytest.mark.parametrize("kind, vocab", [("unigram", 0), ("unigram", -5), ("wordpiece", 400)])
def test_bad_settings(corpus: Corpus, kind: str, vocab: int) -> None:
    with pytest.raises(ConfigError):
        Tokenizer.train(corpus, kind, vocab)


def test_no_text_to_train_on() -> None:
    with pytest.raises(CorpusError, match="no non-empty lines"):
        Tokenizer.train(LinesSource(["", "", ""]), "bpe", 300)


def test_a_line_longer_than_sentencepiece_allows_still_trains() -> None:
    line = " ".join(f"token{i % 97}" for i in range(3000))  # ~25 KB, one line
    tok, _ = Tokenizer.train(LinesSource([line]), "bpe", 300)
    assert tok.decode(tok.encode(line)) == line


@pytest.mark.parametrize("line", [
    " ".join(f"word{i}" for i in range(400)),
    "".join(f"nospace{i}" for i in range(300)),
    "  leading spaces and " + "x" * 500,
])
def test_long_lines_encode_in_pieces_exactly(unigram: Tokenizer, monkeypatch: pytest.MonkeyPatch,
                                             line: str) -> None:
    whole = unigram.encode(line)
    monkeypatch.setattr(tokenizer_module, "ENCODE_CHUNK_CHARS", 64)
    pieces = unigram.encode(line)
    assert unigram.decode(pieces) == line
    assert unigram.encode_many(["short", line]) == [unigram.encode("short"), pieces]
    if " " in line[64:]:
        assert pieces == whole  # cutting before a space cannot change the tokens


def test_chop_cuts_before_spaces() -> None:
    assert list(chop("aaaa bbbb cccc", 8)) == ["aaaa", " bbbb", " cccc"]
    assert list(chop("abcdefghij", 4)) == ["abcd", "efgh", "ij"]
    assert "".join(chop("x y " * 50, 7)) == "x y " * 50


def test_save_load_and_bytes(tmp_path: Path, corpus: Corpus) -> None:
    bpe, _ = Tokenizer.train(corpus, "bpe", 400)
    path = tmp_path / "sub" / "tokenizer.model"
    bpe.save(path)
    loaded = Tokenizer.load(path)
    assert loaded.kind == "bpe"
    assert loaded.fingerprint() == bpe.fingerprint() == Tokenizer.from_bytes(bpe.to_bytes()).fingerprint()
    assert loaded.encode("Romeo and Juliet") == bpe.encode("Romeo and Juliet")
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]


def test_training_is_deterministic(corpus: Corpus, unigram: Tokenizer) -> None:
    assert Tokenizer.train(corpus, "unigram", 400)[0].fingerprint() == unigram.fingerprint()


@pytest.mark.parametrize("data", [b"", b"not a sentencepiece model at all", b"\x0a\x05junk"])
def test_load_refuses_corrupt_files(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "tokenizer.model"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as err:
        Tokenizer.load(path)
    assert str(path) in str(err.value)


def test_load_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot read"):
        Tokenizer.load(tmp_path / "missing.model")


def test_word_kind_keeps_whole_words_up_to_the_cap(corpus: Corpus) -> None:
    tokenizer, warnings = Tokenizer.train(corpus, "word", 500)
    assert tokenizer.kind == "word" and tokenizer.vocab_size == 500
    assert [tokenizer.id_to_piece(i) for i in tokenizer.encode("the and")] == ["\u2581the", "\u2581and"]
    assert tokenizer.encode("zzyzxquux") == [tokenizer.unk_id]  # no byte fallback: outside words are <unk>
    assert any("<unk>" in w for w in warnings)
    small, small_warnings = Tokenizer.train(LinesSource(["one two three", "two three four"] * 60), "word", 500)
    assert small.vocab_size == 6 and any("lowered from 500 to 6" in w for w in small_warnings)
    assert small.decode(small.encode_lines("one four\ntwo")) == "one four\ntwo"
