"""SentencePiece tokenizers (unigram, BPE, char) that never lose a character, and word ones that do.

Byte fallback means no text is ever `<unk>`, identity normalisation means decode gives
back exactly the text that went in, and the end-of-sentence id doubles as the newline
token so a model learns line structure. The model bytes are the whole tokenizer: they
go into checkpoints as they are, and their hash names caches. The `word` kind (a whitespace
word per piece, for reproducing word-level experiments and importing their models) has no byte
fallback: a word outside its vocabulary is `<unk>`.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import sentencepiece as spm

from .atomic import atomic_write_bytes
from .corpus import TextSource
from .errors import ConfigError, CorpusError, ModelFileError, option

KINDS = ("unigram", "bpe", "char", "word")
WORD_START = "\u2581"  # SentencePiece's visible space: a piece starting with it begins a word
BYTE_PIECES = 256
MIN_VOCAB = BYTE_PIECES + 2  # bytes + <unk> + <eos>: byte fallback's floor for every kind
# Training sentences are cut to this many characters (before a space: words stay whole), so the
# sample below holds at most MAX_SAMPLE x 100 characters whatever the line lengths: with 1,000-character
# sentences a 200 MB one-line corpus put 200 MB of text into the sample and peaked at 3.9 GB.
TRAIN_CHUNK_CHARS = 100
ENCODE_CHUNK_CHARS = 1 << 18  # longer lines are encoded in pieces to bound the lattice's memory
MAX_RETRIES = 3
MIN_SAMPLE = 101  # SentencePiece refuses a sentence sample of 100 or fewer
# SentencePiece holds its whole sentence sample in memory, at about 1.6 GB per million sentences of
# ordinary text (measured on a 200 MB corpus: 2M sentences peaked at 3.2 GB and took 234 s, 300k at
# 0.5 GB and 63 s). A few hundred thousand sentences already settle a vocabulary of a few thousand
# pieces, and a desktop run must stay under 2 GB however big its corpus.
MAX_SAMPLE = 300_000
AUTO_PIECES_PER_SQRT_BYTE = 2.0  # 120 KB: 958 pieces; 1 MB: 2,258; the 4,000 cap from 3.5 MB
AUTO_MAX_VOCAB = 4000  # the size tuned on WikiText-2's 10 MB (README, benchmarks)

_TOO_HIGH = re.compile(r"Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)")
_TOO_LOW = re.compile(r"Vocabulary size is smaller than required_chars\. (\d+) vs (\d+)")
_MODEL_TYPES = {1: "unigram", 2: "bpe", 3: "word", 4: "char"}


# ---------------------------------------------------------------- model proto
# sentencepiece's protobuf module needs the protobuf package; these few lines read the
# two fields we need straight from the wire format instead.


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _fields(data: bytes) -> Iterator[tuple[int, int, int | bytes, bytes]]:
    """(field number, wire type, value, raw bytes of the whole field) for each field of a message."""
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value, data[start:pos]


def _model_type(proto: bytes) -> str:
    """ModelProto.trainer_spec (field 2) .model_type (field 3); proto2's default is unigram."""
    for number, wire, value, _ in _fields(proto):
        if number == 2 and wire == 2:
            for inner, inner_wire, inner_value, _ in _fields(value):  # type: ignore[arg-type]
                if inner == 3 and inner_wire == 0:
                    return _MODEL_TYPES.get(inner_value, "unigram")  # type: ignore[arg-type]
    return "unigram"


def _without_dummy_prefix(proto: bytes) -> bytes:
    """The same model with normalizer_spec (field 3) .add_dummy_prefix (field 3) set false.

    Protobuf keeps the last value of a repeated scalar, so appending the field overrides it.
    """
    out = bytearray()
    for number, wire, value, raw in _fields(proto):
        if number == 3 and wire == 2:
            spec = bytes(value) + b"\x18\x00"  # type: ignore[arg-type]
            out += _encode_varint(3 << 3 | 2) + _encode_varint(len(spec)) + spec
        else:
            out += raw
    return bytes(out)


# ---------------------------------------------------------------- training


def chop(line: str, width: int) -> Iterator[str]:
    """Cut a long line into pieces of at most `width` chars, before a space where one is near; lazily,
    so a huge line is never held twice (as itself and as a list of its pieces).

    Cutting before a space keeps tokenisation unchanged: pieces never cross a word start.
    """
    start = 0
    while len(line) - start > width:
        cut = line.rfind(" ", start + width // 2, start + width)
        if cut <= start:
            cut = start + width
        yield line[start:cut]
        start = cut
    yield line[start:]


class _Sentences:
    """The training sentences: non-empty lines, long ones chopped; counts what it gave."""

    def __init__(self, source: TextSource) -> None:
        self.source = source
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.source.iter_lines():
            for index, piece in enumerate(chop(line, TRAIN_CHUNK_CHARS)):
                # A continuation starts with the cut space, which SentencePiece's dummy prefix restores.
                piece = piece[1:] if index and piece.startswith(" ") else piece
                if piece:
                    self.count += 1
                    yield piece


# A word model keeps whole words: any length, digits and scripts unsplit, every character; its
# vocabulary size is a cap (a small text has fewer words). It cannot fall back to bytes.
_WORD_OPTIONS = dict(byte_fallback=False, split_digits=False, split_by_number=False, split_by_unicode_script=False,
                     character_coverage=1.0, max_sentencepiece_length=512, hard_vocab_limit=False)


def _spm_options(kind: str, vocab_size: int) -> dict:
    options = dict(model_type=kind, vocab_size=vocab_size, byte_fallback=True, normalization_rule_name="identity",
                   remove_extra_whitespaces=False, split_digits=True, unk_id=0, bos_id=-1, eos_id=1, pad_id=-1,
                   num_threads=os.cpu_count() or 1, minloglevel=2)
    if kind == "char":
        options["hard_vocab_limit"] = False
    if kind == "word":
        options.update(_WORD_OPTIONS)
    return options


def _train_proto(source: TextSource, kind: str, vocab_size: int, max_sentences: int) -> bytes:
    sentences = _Sentences(source)
    model = io.BytesIO()
    options = dict(_spm_options(kind, vocab_size), shuffle_input_sentence=True,
                   input_sentence_size=max(max_sentences, MIN_SAMPLE) if max_sentences > 0 else 0)
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(sentences), model_writer=model, **options)
    except RuntimeError:
        if sentences.count == 0:
            raise CorpusError("the training text has no non-empty lines to learn a tokenizer from: "
                              "add text") from None
        raise
    return model.getvalue()


def _adjusted_vocab(message: str) -> int | None:
    """The vocabulary size SentencePiece asks for in `message`."""
    if match := _TOO_HIGH.search(message) or _TOO_LOW.search(message):
        return int(match[2])
    return None


def _word_warning(tokenizer: "Tokenizer") -> str:
    return (f"word tokenizer: a word outside its {tokenizer.vocab_size - 2:,}-word vocabulary reads as <unk>, which "
            "the model predicts as one word; its perplexities are lower than an open-vocabulary model's on the "
            "same text and do not compare with them")


def _vocab_warnings(asked: int, used: int) -> list[str]:
    """One warning comparing what the user asked for with what was trained, however many retries it took."""
    if used < asked:
        return [f"vocabulary lowered from {asked} to {used}: the corpus is too small for {asked} pieces"]
    if used > asked:
        return [f"vocabulary raised from {asked} to {used}: byte fallback needs {BYTE_PIECES} byte pieces plus "
                "<unk>, <eos> and the corpus's characters"]
    return []


def auto_vocab_size(n_bytes: int) -> int:
    """The vocabulary of a new tokenizer when the user sets none: MIN_VOCAB (bytes, <unk>, <eos>)
    plus 2 sqrt(bytes) pieces rounded to 50, at most AUTO_MAX_VOCAB.

    Every piece needs examples to learn its embedding and its row of the output layer: thousands of
    pieces on 120 KB leave most of them seen a handful of times, and a model trained for minutes
    spends its budget on rare pieces instead of on the text. A piece's count grows with the corpus,
    so the number of pieces that can be learnt grows with it too, more slowly (Heaps' law: distinct
    words ~ sqrt(tokens)). Measured on 120 KB of Austen (README, "Small texts").
    """
    pieces = AUTO_PIECES_PER_SQRT_BYTE * math.sqrt(max(n_bytes, 0))
    return min(AUTO_MAX_VOCAB, MIN_VOCAB + int(round(pieces / 50.0)) * 50)


# ---------------------------------------------------------------- the tokenizer


class Tokenizer:
    """A trained SentencePiece model; `eos_id` is the newline."""

    def __init__(self, proto: bytes) -> None:
        try:
            self._sp = spm.SentencePieceProcessor(model_proto=proto)
        except (RuntimeError, OSError, ValueError) as err:
            raise ModelFileError(f"tokenizer data is not a SentencePiece model ({err}): "
                                 "re-train the tokenizer or restore the model folder") from None
        if self._sp.get_piece_size() == 0 or self._sp.eos_id() < 0:
            raise ModelFileError("tokenizer has no pieces or no end-of-line piece, so it was not made by "
                                 "RNNLM Studio: re-train the tokenizer or restore the model folder")
        self._proto = proto
        self._continuation: spm.SentencePieceProcessor | None = None
        self.kind = _model_type(proto)
        self._word_starts: np.ndarray | None = None

    @classmethod
    def train(cls, source: TextSource, kind: str = "unigram", vocab_size: int = 4000, *,
              max_sentences: int = MAX_SAMPLE, seed: int = 0) -> tuple[Tokenizer, list[str]]:
        """Train on `source`; returns the tokenizer and warnings about vocabulary changes."""
        if kind not in KINDS:
            raise ConfigError(f"unknown tokenizer kind {kind!r}: use one of {', '.join(KINDS)}")
        if vocab_size <= 0:
            raise ConfigError(f"vocabulary size {vocab_size} must be positive: try 4000")
        asked = vocab_size
        # Below this floor SentencePiece fails for every byte-fallback kind without saying why.
        vocab_size = max(vocab_size, MIN_VOCAB) if kind != "word" else vocab_size
        spm.set_random_generator_seed(seed)
        for _ in range(MAX_RETRIES):
            try:
                tokenizer = cls(_train_proto(source, kind, vocab_size, max_sentences))
                if kind == "word":
                    return tokenizer, _vocab_warnings(asked, tokenizer.vocab_size) + [_word_warning(tokenizer)]
                return tokenizer, _vocab_warnings(asked, vocab_size)
            except RuntimeError as err:
                adjusted = _adjusted_vocab(str(err))
                if adjusted is None or adjusted == vocab_size:
                    raise
                vocab_size = adjusted
        raise CorpusError(f"could not find a vocabulary size SentencePiece accepts for this text "
                          f"(last tried {vocab_size}): add text or pick another {option('vocab_size')}")

    @classmethod
    def from_words(cls, words: Sequence[str]) -> Tokenizer:
        """A word tokenizer with exactly these words (besides `<unk>` and the end of line), e.g. a
        word-level model's vocabulary. Ids follow SentencePiece's order, not the list's: map by piece."""
        words = [word for word in dict.fromkeys(words) if word and not any(ch.isspace() for ch in word)]
        if not words:
            raise ConfigError("the word list is empty: give one word per line")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(sentence_iterator=iter(words), model_writer=model,
                                       **_spm_options("word", len(words) + 2))
        tokenizer = cls(model.getvalue())
        missing = [word for word in words if tokenizer.piece_to_id(WORD_START + word) == tokenizer.unk_id]
        if missing:
            raise ConfigError(f"SentencePiece could not keep {len(missing)} of the words as pieces "
                              f"(first: {missing[0]!r}); check the word list")
        return tokenizer

    @classmethod
    def load(cls, path: Path) -> Tokenizer:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise ModelFileError(f"{path}: cannot read the tokenizer ({err.strerror or err}); "
                                 "check the model folder or re-train") from None
        try:
            return cls.from_bytes(data)
        except ModelFileError as err:
            raise ModelFileError(f"{path}: {err}") from None

    @classmethod
    def from_bytes(cls, data: bytes) -> Tokenizer:
        return cls(bytes(data))

    def save(self, path: Path) -> None:
        atomic_write_bytes(Path(path), self._proto)

    def to_bytes(self) -> bytes:
        return self._proto

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    @property
    def eos_id(self) -> int:
        return self._sp.eos_id()

    @property
    def unk_id(self) -> int:
        return self._sp.unk_id()

    def _continuation_sp(self) -> spm.SentencePieceProcessor:
        """Encodes the rest of a chopped line: no dummy prefix, since it is not a line start."""
        if self._continuation is None:
            self._continuation = spm.SentencePieceProcessor(model_proto=_without_dummy_prefix(self._proto))
        return self._continuation

    def encode_pieces(self, line: str) -> Iterator[list[int]]:
        """The ids of one line in consecutive parts, so a huge line never has all its ids in memory."""
        for index, piece in enumerate(chop(line, ENCODE_CHUNK_CHARS)):
            yield (self._continuation_sp() if index else self._sp).encode(piece)

    def _encode_long(self, line: str) -> list[int]:
        return [i for ids in self.encode_pieces(line) for i in ids]

    def encode_many(self, lines: Sequence[str]) -> list[list[int]]:
        """Encode many lines at once (SentencePiece batches them across threads)."""
        long = [index for index, line in enumerate(lines) if len(line) > ENCODE_CHUNK_CHARS]
        if not long:
            return self._sp.encode(list(lines))
        out: list[list[int]] = [[] for _ in lines]
        short = [index for index, line in enumerate(lines) if len(line) <= ENCODE_CHUNK_CHARS]
        for index, ids in zip(short, self._sp.encode([lines[i] for i in short])):
            out[index] = ids
        for index in long:
            out[index] = self._encode_long(lines[index])
        return out

    def encode(self, text: str) -> list[int]:
        """One line, no end-of-line id."""
        return self._encode_long(text) if len(text) > ENCODE_CHUNK_CHARS else self._sp.encode(text)

    def encode_lines(self, text: str) -> list[int]:
        """Each line followed by eos_id; a last line without "\\n" gets none."""
        lines = text.split("\n")
        ids: list[int] = []
        for index, line_ids in enumerate(self.encode_many(lines)):
            ids.extend(line_ids)
            if index < len(lines) - 1:
                ids.append(self.eos_id)
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """eos_id decodes to "\\n"; each line is decoded on its own so its dummy prefix is dropped."""
        eos = self.eos_id
        lines: list[list[int]] = [[]]
        for i in ids:
            i = int(i)
            if i == eos:
                lines.append([])
            else:
                lines[-1].append(i)
        return "\n".join(self._decode_line(line) for line in lines)

    def _decode_line(self, ids: list[int]) -> str:
        """SentencePiece turns a "▁" piece into a space, dropping the line's dummy prefix; a vocabulary
        too small to hold that piece spells it in byte pieces, which decode to a literal "▁": treat those
        the same way (input "▁" means a space to SentencePiece anyway)."""
        text = self._sp.decode(ids)
        if WORD_START not in text:
            return text
        return text[text.startswith(WORD_START):].replace(WORD_START, " ")

    def id_to_piece(self, i: int) -> str:
        return self._sp.id_to_piece(int(i))

    def piece_to_id(self, piece: str) -> int:
        return self._sp.piece_to_id(piece)

    def pieces(self) -> list[str]:
        return [self._sp.id_to_piece(i) for i in range(self.vocab_size)]

    def word_start_mask(self) -> np.ndarray:
        """Boolean per id: True where `is_word_start`; for vectorised word counting."""
        if self._word_starts is None:
            mask = np.array([piece.startswith(WORD_START) for piece in self.pieces()], dtype=bool)
            mask[self.eos_id] = True
            self._word_starts = mask
        return self._word_starts

    def is_word_start(self, i: int) -> bool:
        return bool(self.word_start_mask()[int(i)])

    def fingerprint(self) -> str:
        return hashlib.sha256(self._proto).hexdigest()
