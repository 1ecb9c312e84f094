"""The classic baseline must learn something and convert its loss to word perplexity honestly;
a baseline that is broken or flattered would make every benchmark ratio meaningless."""
from __future__ import annotations

import math

import pytest
import torch

from tests.bench import classic_recipe, spelling
from tests.conftest import SHAKESPEARE


def test_word_perplexity_divides_total_nll_by_whitespace_words() -> None:
    text = "to be or\nnot to be\n"  # 6 words + 2 <eos> = 8 tokens
    tokens = classic_recipe.tokenize(text)
    assert tokens == ["to", "be", "or", "<eos>", "not", "to", "be", "<eos>"]
    nll_per_token = [0.5, 1.0, 2.0, 0.1, 3.0, 0.25, 0.75, 0.4]
    total = sum(nll_per_token)
    words = len(text.split())
    assert words == 6
    assert classic_recipe.word_perplexity(total, words) == pytest.approx(math.exp(total / 6))
    assert classic_recipe.word_perplexity(total, words) > math.exp(total / len(tokens))


def test_eval_words_missing_from_train_map_to_unk() -> None:
    dictionary = classic_recipe.build_dictionary("a b\nb c\n")
    ids = classic_recipe.encode("a zebra\n", dictionary).tolist()
    assert ids == [dictionary.word2idx["a"], dictionary.word2idx["<unk>"], dictionary.word2idx["<eos>"]]


@pytest.fixture
def one_thread():
    """Other work shares the cores; restore the thread count so later tests are unaffected."""
    before = torch.get_num_threads()
    yield 1
    torch.set_num_threads(before)


def test_short_training_beats_a_uniform_vocabulary(one_thread: int) -> None:
    text = SHAKESPEARE.read_text(encoding="utf-8")
    train_text, eval_text = text[:40_000], text[40_000:48_000]
    result = classic_recipe.train_classic(train_text, eval_text, max_steps=20, threads=one_thread)
    vocab = result["vocab_size"]
    uniform_word_ppl = vocab ** (result["eval_tokens"] / result["eval_words"])
    assert result["train_steps"] == 20 and result["train_tokens"] > 0
    assert math.isfinite(result["word_ppl"])
    assert result["ppl"] < vocab
    assert result["word_ppl"] < uniform_word_ppl
    assert result["word_ppl"] == pytest.approx(
        math.exp(result["loss"] * result["eval_tokens"] / result["eval_words"]))


def test_spelling_model_is_a_distribution_over_every_next_character() -> None:
    speller = spelling.CharBigramSpeller({"the", "then", "hen", "é"})
    known = [char for char in speller.unigram if char != spelling.UNSEEN]
    for prev in (spelling.START, "h", "é", "q"):
        total = sum(speller._prob(prev, char) for char in known)
        total += speller._prob(prev, "ж") * speller.unseen_chars
        assert total == pytest.approx(1.0, abs=1e-9)


def test_spelling_charges_familiar_shapes_less_than_strange_ones() -> None:
    words = set(SHAKESPEARE.read_text(encoding="utf-8")[:40_000].split())
    speller = spelling.CharBigramSpeller(words)
    assert speller.nll("thence") < speller.nll("xqzvkj") < speller.nll("жжжжжж")
    assert speller.nll("thence") < 6 * math.log(len(speller.unigram))


def test_open_vocabulary_perplexity_charges_only_unseen_words(one_thread: int) -> None:
    text = SHAKESPEARE.read_text(encoding="utf-8")
    result = classic_recipe.train_classic(text[:20_000], text[20_000:24_000], max_steps=5, threads=one_thread)
    unseen_words = result["eval_oov_fraction"] * result["eval_words"]
    assert unseen_words > 0 and result["unk_spelling_nats"] > 5
    extra_nats = math.log(result["open_vocab_word_ppl"] / result["word_ppl"]) * result["eval_words"]
    assert extra_nats == pytest.approx(result["unk_spelling_nats"] * unseen_words, rel=1e-6)
