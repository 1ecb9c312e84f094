"""The generation engine: sampling filters, seeded generation, beam search, whole-word
autocomplete, the incremental prompt encoder and surprisal."""
from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F

from rnnlm_studio.core import autocomplete, decoding, sampling, surprisal
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import ConfigError
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer

from ..conftest import SHAKESPEARE

torch.set_num_threads(1)

logit_lists = st.lists(st.floats(-20, 20, allow_nan=False, width=32), min_size=2, max_size=40)


# --------------------------------------------------------------------------- sampling filters


@given(logit_lists, st.integers(1, 50))
def test_top_k_keeps_exactly_the_k_best(values: list[float], k: int) -> None:
    logits = torch.tensor(values)
    kept = torch.isfinite(sampling.filter_top_k(logits, k))
    assert int(kept.sum()) == min(k, len(values))
    if kept.all():
        return
    assert logits[kept].min() >= logits[~kept].max()


@given(logit_lists, st.integers(1, 5), st.integers(0, 2**31 - 1))
@settings(max_examples=50)
def test_sampling_with_top_k_never_leaves_the_k_best(values: list[float], k: int, seed: int) -> None:
    logits = torch.tensor(values)
    best = set(logits.topk(min(k, len(values))).indices.tolist())
    options = sampling.SamplingOptions(temperature=3.0, top_k=k)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(20):
        assert sampling.next_token(logits, options, generator) in best


@given(logit_lists, st.floats(0.01, 0.99))
def test_top_p_keeps_the_smallest_set_reaching_p(values: list[float], p: float) -> None:
    logits = torch.tensor(values)
    probs = F.softmax(logits, dim=-1)
    kept = torch.isfinite(sampling.filter_top_p(logits, p))
    mass = float(probs[kept].sum())
    assert mass >= p - 1e-5
    assert mass - float(probs[kept].min()) < p + 1e-5, "dropping the least probable kept token must fall below p"
    if not kept.all():
        assert probs[kept].min() >= probs[~kept].max()


def test_top_p_one_and_top_k_zero_keep_everything() -> None:
    logits = torch.randn(10)
    assert torch.equal(sampling.filter_top_p(logits, 1.0), logits)
    assert torch.equal(sampling.filter_top_k(logits, 0), logits)


def test_temperature_zero_is_greedy() -> None:
    logits = torch.tensor([0.1, 2.0, 1.9, -1.0])
    assert sampling.next_token(logits, sampling.SamplingOptions(temperature=0)) == 1


def test_repetition_penalty_makes_seen_tokens_less_likely() -> None:
    logits = torch.tensor([2.0, -1.0, 0.5])
    out = sampling.penalize_repetition(logits, [0, 1], 2.0)
    assert out.tolist() == [1.0, -2.0, 0.5]


def test_bad_options_fail_before_anything_streams(loaded: SimpleNamespace) -> None:
    with pytest.raises(ConfigError, match="`top_p`"):
        sampling.generate(loaded, "The", sampling.SamplingOptions(top_p=2.0))


@pytest.mark.parametrize("options", [
    sampling.SamplingOptions(temperature=-1), sampling.SamplingOptions(top_p=0), sampling.SamplingOptions(top_k=-2),
    sampling.SamplingOptions(max_tokens=0), sampling.SamplingOptions(stop_at="page"),
    sampling.SamplingOptions(repetition_penalty=0.5)])
def test_bad_options_are_refused_with_the_fix(options: sampling.SamplingOptions) -> None:
    with pytest.raises(ConfigError, match="`[a-z_]+`") as err:  # the setting, as a Python user names it
        options.validate()
    assert "--" not in str(err.value)


# --------------------------------------------------------------------------- a small model


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Tokenizer:
    path = tmp_path_factory.mktemp("tok") / "train.txt"
    path.write_text(SHAKESPEARE.read_text(encoding="utf-8")[:60_000], encoding="utf-8")
    tok, _ = Tokenizer.train(Corpus.open([path]), "unigram", 600)
    return tok


@pytest.fixture(scope="module")
def table(tokenizer: Tokenizer) -> decoding.PieceTable:
    return decoding.PieceTable(tokenizer)


@pytest.fixture(scope="module")
def loaded(tokenizer: Tokenizer) -> SimpleNamespace:
    """A random LSTM with a sharpened output layer, so distributions are far from uniform."""
    torch.manual_seed(0)
    model = RNNLM(ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=24, hidden_size=48, tie_weights=False))
    with torch.no_grad():
        model.decoder.weight.mul_(40)
    return SimpleNamespace(model=model.eval(), tokenizer=tokenizer)


def _scratch_log_probs(loaded: SimpleNamespace, text: str) -> torch.Tensor:
    ids = decoding.context_ids(loaded.tokenizer, text)
    with torch.inference_mode():
        logits, _ = loaded.model(torch.tensor([ids]))
    return F.log_softmax(logits[0, -1], dim=-1)


# --------------------------------------------------------------------------- generation


def _sample(loaded: SimpleNamespace, prompt: str, **options: object) -> str:
    return "".join(sampling.generate(loaded, prompt, sampling.SamplingOptions(**options)))


def test_same_seed_gives_the_same_text(loaded: SimpleNamespace) -> None:
    first = _sample(loaded, "The king", max_tokens=40, seed=7, top_p=0.9)
    assert first == _sample(loaded, "The king", max_tokens=40, seed=7, top_p=0.9)
    assert first != _sample(loaded, "The king", max_tokens=40, seed=8, top_p=0.9)


def test_generation_streams_non_empty_pieces_up_to_max_tokens(loaded: SimpleNamespace) -> None:
    pieces = list(sampling.generate(loaded, "", sampling.SamplingOptions(max_tokens=30, seed=1)))
    assert 5 < len(pieces) <= 30
    assert all(pieces)


def test_long_streams_decode_the_same_in_windows(loaded: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The detokenizer restarts its window every REBASE ids; the text must not notice."""
    whole = _sample(loaded, "The king ", max_tokens=150, seed=4)
    monkeypatch.setattr(sampling._Detokenizer, "REBASE", 3)
    assert _sample(loaded, "The king ", max_tokens=150, seed=4) == whole


def test_stop_event_ends_generation_before_the_next_token(loaded: SimpleNamespace) -> None:
    stop = threading.Event()
    stream = sampling.generate(loaded, "The", sampling.SamplingOptions(max_tokens=1000, seed=0), stop)
    next(stream)
    stop.set()
    assert list(stream) == []


def test_stop_at_line_never_emits_a_newline(loaded: SimpleNamespace) -> None:
    for seed in range(5):
        assert "\n" not in _sample(loaded, "First Citizen:", max_tokens=60, seed=seed, stop_at="line")


def test_a_trailing_space_is_not_doubled(loaded: SimpleNamespace) -> None:
    plain = _sample(loaded, "The king", max_tokens=10, temperature=0)
    spaced = _sample(loaded, "The king ", max_tokens=10, temperature=0)
    assert spaced == (plain[1:] if plain.startswith(" ") else plain)


def test_beam_of_one_is_greedy(loaded: SimpleNamespace) -> None:
    greedy = _sample(loaded, "The king", max_tokens=12, temperature=0)
    assert sampling.beam_search(loaded, "The king", beam_width=1, max_tokens=12) == greedy


def test_beam_search_stops_at_the_line_end(loaded: SimpleNamespace) -> None:
    text = sampling.beam_search(loaded, "First Citizen:", beam_width=4, max_tokens=30, stop_at="line")
    assert text and "\n" not in text


# --------------------------------------------------------------------------- autocomplete


def _single_piece_word_probs(loaded: SimpleNamespace, prompt: str, top: int) -> dict[str, float]:
    """Exact P(next word = w) for the one-piece words among the `top` likeliest first pieces."""
    table = decoding.PieceTable(loaded.tokenizer)
    ids = decoding.context_ids(loaded.tokenizer, prompt)
    with torch.inference_mode():
        first = F.softmax(loaded.model(torch.tensor([ids]))[0][0, -1], dim=-1).masked_fill(~table.word_first, 0)
        out: dict[str, float] = {}
        for piece in first.topk(top).indices.tolist():
            after = F.softmax(loaded.model(torch.tensor([ids + [piece]]))[0][0, -1], dim=-1)
            word = table.surface[piece].decode()
            if word and word.isprintable() and any(c.isalnum() for c in word):
                out[word] = float(first[piece] * after[table.end_penalty == 0].sum())
    return out


@pytest.mark.parametrize("prompt", ["", "The king", "First Citizen:\nWe are"])
def test_suggestions_are_sorted_probabilities_of_whole_words(loaded: SimpleNamespace, prompt: str) -> None:
    words = autocomplete.complete(loaded, prompt + " " if prompt else prompt, k=5)
    assert len(words) == 5
    probs = [w.probability for w in words]
    assert probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1
    assert all(w.text == w.word and w.word.strip() == w.word and w.word for w in words)
    exact = _single_piece_word_probs(loaded, prompt, top=autocomplete.Autocompleter.BEAM_WIDTH)
    assert probs[0] >= max(exact.values()) * (1 - 1e-4), "a more probable one-piece word in the beam was missed"
    for w in words:  # a word's probability sums every spelling, so it is at least its one-piece spelling
        assert w.probability >= exact.get(w.word, 0) * (1 - 1e-4)


def test_punctuation_ends_a_word_unless_it_was_typed(loaded: SimpleNamespace) -> None:
    for prompt in ("", "First Citizen:\nWe are all ", "The kin"):
        assert all(w.word[-1].isalnum() or w.word[-1] in "'-" for w in autocomplete.complete(loaded, prompt, k=8))
    typed = autocomplete.complete(loaded, "You are all resolved,", k=5)
    assert typed and all(w.word.startswith("resolved,") for w in typed)


def test_a_half_typed_word_is_completed(loaded: SimpleNamespace) -> None:
    words = autocomplete.complete(loaded, "First Citizen:\nWe ar", k=5)
    assert words
    for w in words:
        assert w.word.startswith("ar") and w.text == w.word[2:]
    assert sum(w.probability for w in words) <= 1


def test_the_phrase_continues_the_best_word_with_whole_words(loaded: SimpleNamespace) -> None:
    ac = autocomplete.Autocompleter(loaded.model, loaded.tokenizer)
    result = ac.suggest("The ki", k=3, phrase_words=3)
    assert result.phrase.startswith(result.words[0].text)
    rest = result.phrase[len(result.words[0].text):]
    assert rest == "" or rest.startswith(" "), "the best word is complete, so the phrase goes on with a new word"
    assert len(rest.split()) <= 2
    assert ac.suggest("The ki", k=3, phrase_words=1).phrase == result.words[0].text


def test_keystrokes_reuse_the_states_of_earlier_ones(loaded: SimpleNamespace) -> None:
    ac = autocomplete.Autocompleter(loaded.model, loaded.tokenizer)
    prompt = "First Citizen:\nBefore we proceed any further, hear me "
    first = ac.suggest(prompt, k=5)
    assert ac.model_calls > 0
    ac.suggest(prompt, k=5)
    assert ac.model_calls == 0, "the same prompt again needs no model work"
    best = first.words[0].word
    ac.suggest(prompt + best + " ", k=5)
    assert ac.encoder.tokens_run == 0, "the word just suggested was already run by the word search"
    torch.testing.assert_close(ac.encoder.state.log_probs, _scratch_log_probs(loaded, prompt + best),
                               atol=1e-5, rtol=1e-4)


def test_bad_k_is_refused(loaded: SimpleNamespace) -> None:
    with pytest.raises(ConfigError, match="-k"):
        autocomplete.complete(loaded, "The", k=0)


@given(st.text(alphabet="thequiTkn'.,é", min_size=1, max_size=6), st.booleans())
@settings(max_examples=60, deadline=None)
def test_consistent_pieces_are_exactly_those_agreeing_with_the_typed_text(table: decoding.PieceTable, typed: str,
                                                                          start: bool) -> None:
    data = typed.encode()
    mask = table.word_first if start else table.continuation
    expected = {i for i in mask.nonzero().flatten().tolist()
                if data.startswith(table.surface[i]) or table.surface[i].startswith(data)}
    assert sorted(table.consistent(data, word_start=start)) == sorted(expected)


@pytest.mark.parametrize("prompt, expected", [
    ("", ("", "")), ("the ki", ("the ", "ki")), ("the ", ("the ", "")), ("a\nb", ("a\n", "b")), ("word", ("", "word"))])
def test_split_partial(prompt: str, expected: tuple[str, str]) -> None:
    assert autocomplete.split_partial(prompt) == expected


# --------------------------------------------------------------------------- incremental encoding

edits = st.lists(st.one_of(
    st.tuples(st.just("type"), st.text(alphabet="abcdeThk ,.\né'", min_size=1, max_size=6)),
    st.tuples(st.just("delete"), st.integers(1, 8)),
    st.tuples(st.just("insert"), st.text(alphabet="xyz ", min_size=1, max_size=3), st.floats(0, 1)),
), min_size=1, max_size=12)


def _apply(text: str, edit: tuple) -> str:
    if edit[0] == "type":
        return text + edit[1]
    if edit[0] == "delete":
        return text[:-edit[1]]
    at = int(edit[2] * len(text))
    return text[:at] + edit[1] + text[at:]


@given(edits)
@settings(max_examples=40, deadline=None)
def test_incremental_encoding_matches_encoding_from_scratch(loaded: SimpleNamespace, sequence: list) -> None:
    encoder = autocomplete.IncrementalEncoder(loaded.model, loaded.tokenizer)
    text = "First Citizen:\nBefore we proceed"
    for edit in [("type", "")] + sequence:
        text = _apply(text, edit)
        incremental = encoder.update(text)
        torch.testing.assert_close(incremental, _scratch_log_probs(loaded, text), atol=1e-5, rtol=1e-4)


@given(edits)
@settings(max_examples=15, deadline=None)
def test_suggestions_see_the_same_prompt_state_as_encoding_from_scratch(loaded: SimpleNamespace,
                                                                       sequence: list) -> None:
    """The word search hands states to the encoder through the memo; they must be exact too."""
    ac = autocomplete.Autocompleter(loaded.model, loaded.tokenizer)
    text = "First Citizen:\nBefore we proceed"
    for edit in [("type", "")] + sequence:
        text = _apply(text, edit)
        ac.suggest(text, k=3, phrase_words=2)
        context = autocomplete.split_partial(text)[0].rstrip(" \t")
        torch.testing.assert_close(ac.encoder.state.log_probs, _scratch_log_probs(loaded, context),
                                   atol=1e-5, rtol=1e-4)


def test_typing_runs_only_the_last_word(loaded: SimpleNamespace) -> None:
    encoder = autocomplete.IncrementalEncoder(loaded.model, loaded.tokenizer)
    text = "First Citizen:\nBefore we proceed any further, hear me speak"
    encoder.update(text)
    assert encoder.tokens_run == len(encoder.ids)
    encoder.update(text + "s")
    last_word = len(loaded.tokenizer.encode("speaks"))
    assert encoder.tokens_run <= last_word + 1


# --------------------------------------------------------------------------- surprisal


def test_surprisal_covers_the_text_and_sums_to_the_model_loss(loaded: SimpleNamespace) -> None:
    text = "First Citizen:\nBefore  we proceed, café!\n\nAll: Speak."
    tokens = surprisal.surprisal(loaded, text, alternatives=3)
    ids = decoding.context_ids(loaded.tokenizer, text)
    assert len(tokens) == len(ids) - 1
    with torch.inference_mode():
        logits, _ = loaded.model(torch.tensor([ids[:-1]]))
    total = F.cross_entropy(logits[0], torch.tensor(ids[1:]), reduction="sum")
    assert sum(t.nll for t in tokens) == pytest.approx(float(total), rel=1e-4)
    spans = sorted({(t.start_char, t.end_char) for t in tokens})
    assert "".join(text[s:e] for s, e in spans) == text, "every character belongs to exactly one token span"
    for t in tokens:
        assert t.probability == pytest.approx(math.exp(-t.nll))
        assert len(t.top_alternatives) == 3
        assert [p for _, p in t.top_alternatives] == sorted((p for _, p in t.top_alternatives), reverse=True)
        assert t.top_alternatives[0][1] >= t.probability - 1e-6


def test_surprisal_in_chunks_equals_one_pass(loaded: SimpleNamespace) -> None:
    text = SHAKESPEARE.read_text(encoding="utf-8")[:600]
    whole = surprisal.surprisal(loaded, text, chunk=10_000)
    chunked = surprisal.surprisal(loaded, text, chunk=7)
    assert [t.nll for t in chunked] == pytest.approx([t.nll for t in whole], abs=1e-4)


# --------------------------------------------------------------------------- other cells


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh"])
def test_other_cells_take_the_module_path_with_the_same_results(tokenizer: Tokenizer, cell: str) -> None:
    torch.manual_seed(0)
    model = RNNLM(ModelConfig(cell=cell, vocab_size=tokenizer.vocab_size, emb_size=16, hidden_size=24, layers=2))
    other = SimpleNamespace(model=model.eval(), tokenizer=tokenizer)
    assert len(_sample(other, "The king", max_tokens=20, seed=0)) > 0
    ac = autocomplete.Autocompleter(model, tokenizer)
    for text in ("The king", "The king is", "The kin"):
        ac.suggest(text, k=3)
        context = autocomplete.split_partial(text)[0].rstrip(" \t")
        torch.testing.assert_close(ac.encoder.state.log_probs, _scratch_log_probs(other, context),
                                   atol=1e-5, rtol=1e-4)


def test_the_hand_stepped_lstm_matches_the_module(loaded: SimpleNamespace) -> None:
    model = loaded.model
    ids = decoding.context_ids(loaded.tokenizer, "First Citizen:\nBefore we")
    with torch.inference_mode():
        _, hidden = model(torch.tensor([ids[:-1]]))
        batch = decoding.cat_hidden([hidden, hidden])
        logits, after = decoding.step(model, [ids[-1], 5], batch)
        expected, expected_after = model(torch.tensor([[ids[-1]], [5]]), batch)
    torch.testing.assert_close(logits, expected[:, -1], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(after[0][1], expected_after[0][1], atol=1e-5, rtol=1e-4)


# --------------------------------------------------------------------------- fast decoding


@pytest.mark.skipif(not torch.cpu._is_avx512_bf16_supported(), reason="bf16 decoding is used only on CPUs with AVX-512 BF16")
def test_fast_decoding_stays_close_to_exact_and_drops_stale_copies(tokenizer: Tokenizer) -> None:
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=24, hidden_size=48)
    exact, fast = RNNLM(config).eval(), RNNLM(config).eval()
    fast.load_state_dict(exact.state_dict())
    assert decoding.use_fast_decoding(fast)
    exact_encoder, fast_encoder = autocomplete.IncrementalEncoder(exact, tokenizer), autocomplete.IncrementalEncoder(fast, tokenizer)
    text = "First Citizen:\nBefore we proceed any further, hear me speak."
    for end in range(1, len(text) + 1):
        want, got = exact_encoder.update(text[:end]), fast_encoder.update(text[:end])
        kl = float((want.exp() * (want - got)).sum())
        assert -1e-6 < kl < 1e-3, (text[:end], kl)  # KL >= 0 up to rounding
    features = torch.randn(3, 48)  # top-layer outputs
    with torch.inference_mode():
        assert not torch.equal(decoding.logits_of(fast, features), decoding.logits_of(exact, features)), "the bf16 copy is in use"
    with torch.no_grad():
        fast.decoder.weight.mul_(2)
        exact.decoder.weight.mul_(2)
    with torch.inference_mode():
        torch.testing.assert_close(decoding.logits_of(fast, features), decoding.logits_of(exact, features))  # stale copy dropped
