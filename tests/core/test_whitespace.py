"""Whitespace a tokenizer lacks is scored as a space plus the bits that say which one it was."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core.checkpoint import LoadedModel
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.evaluate import score_text
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.whitespace import Tally, WhitespaceFold


@pytest.fixture(scope="module")
def tokenizer(shakespeare_small: dict[str, Path]) -> Tokenizer:
    return Tokenizer.train(Corpus.open([shakespeare_small["train"]]), "unigram", 400)[0]


def test_whitespace_the_tokenizer_never_saw_is_folded_and_the_space_is_not(tokenizer: Tokenizer) -> None:
    fold = WhitespaceFold.unseen_by(tokenizer)
    assert "\t" in fold.chars and "\u00a0" in fold.chars and " " not in fold.chars
    assert fold.fold("a\tb\u00a0c d") == "a b c d"


def test_the_side_code_is_the_sequential_adaptive_code() -> None:
    """Closed form = the sum, position by position, of -log p with p = (count + 1/2) / (seen + m/2)."""
    sequence = [" ", "\t", " ", " ", "\t", "\u00a0", " "]
    counts = {symbol: 0 for symbol in (" ", "\t", "\u00a0")}
    sequential = 0.0
    for seen, symbol in enumerate(sequence):
        sequential -= math.log((counts[symbol] + 0.5) / (seen + 1.5))
        counts[symbol] += 1
    tally = Tally(spaces=len(sequence), folded={"\t": 2, "\u00a0": 1}, bytes_saved=1)
    assert tally.side_nats(3) == pytest.approx(sequential)
    assert Tally(spaces=9, folded={}, bytes_saved=0).side_nats(3) == 0.0


def test_scoring_folds_only_what_it_must_and_keeps_the_original_bytes(tokenizer: Tokenizer, tmp_path: Path) -> None:
    torch.manual_seed(0)
    loaded = LoadedModel(RNNLM(ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=16, hidden_size=32)),
                         tokenizer, {}, tmp_path, "tiny")
    plain, tabs = tmp_path / "plain.txt", tmp_path / "tabs.tsv"
    lines = [f"line {i} of the text\tfield {i % 3}\u00a0end" for i in range(200)]
    plain.write_text("\n".join(line.replace("\t", " ").replace("\u00a0", " ") for line in lines) + "\n")
    tabs.write_text("\n".join(lines) + "\n")
    cpu = torch.device("cpu")
    as_spaces = score_text(loaded, Corpus.open([plain]), cpu, "fp32")
    folded = score_text(loaded, Corpus.open([tabs]), cpu, "fp32")
    exact = score_text(loaded, Corpus.open([tabs]), cpu, "fp32", exact_whitespace=True)
    assert "folded_whitespace" not in as_spaces and "folded_whitespace" not in exact
    assert folded["folded_whitespace"] == 400 and folded["whitespace_bits"] > 0
    assert folded["bytes"] == exact["bytes"] == as_spaces["bytes"] + 200  # a no-break space is two bytes
    # the same network code as the spaced text, plus the side code, over the original bytes
    network_bits = as_spaces["bpb"] * as_spaces["bytes"]
    assert folded["bpb"] * folded["bytes"] == pytest.approx(network_bits + folded["whitespace_bits"], rel=1e-4)
