"""Loss -> token, word and byte perplexity, against values computed by hand."""
from __future__ import annotations

import math

import pytest

from rnnlm_studio.core.metrics import cache_note, safe_exp, summarize, with_cache


def test_summarize_against_hand_values() -> None:
    # 12 tokens with a total NLL of 30 nats, encoding 5 whitespace words in 40 UTF-8 bytes
    result = summarize(30.0, 12, 5, 40)
    assert result["loss"] == pytest.approx(2.5)
    assert result["ppl"] == pytest.approx(12.182493960703473)  # e^2.5
    assert result["word_ppl"] == pytest.approx(403.4287934927351)  # e^(30/5)
    assert result["bpb"] == pytest.approx(30 / 0.6931471805599453 / 40)  # 1.0820212806...
    assert set(result) == {"loss", "ppl", "word_ppl", "bpb"}


def test_word_ppl_and_bpb_come_from_the_total_not_the_mean() -> None:
    # the same mean loss over more tokens per word must give a higher word perplexity
    few, many = summarize(10.0, 10, 5, 50), summarize(20.0, 20, 5, 50)
    assert few["loss"] == many["loss"] and few["ppl"] == many["ppl"]
    assert many["word_ppl"] == pytest.approx(few["word_ppl"] ** 2)
    assert many["bpb"] == pytest.approx(2 * few["bpb"])


def test_overflow_reports_infinity() -> None:
    result = summarize(1e6, 10, 10, 10)
    assert result["loss"] == 1e5
    assert math.isinf(result["ppl"]) and math.isinf(result["word_ppl"])
    assert math.isfinite(result["bpb"])
    assert safe_exp(1000.0) == math.inf
    assert safe_exp(0.0) == 1.0


def test_empty_text_cannot_be_summarised() -> None:
    with pytest.raises(ValueError):
        summarize(0.0, 0, 0, 0)


def test_the_cache_note_shows_the_cached_figure_only_where_the_cache_was_asked_for() -> None:
    assert cache_note({"word_ppl": 712.04, **with_cache({"word_ppl": 376.0})}) == " (with cache 376.00)"
    assert cache_note({"word_ppl": 376.0}) == ""


def test_cached_figures_get_their_own_names() -> None:
    assert with_cache({"word_ppl": 3.0, "bpb": 1.5}) == {"cached_word_ppl": 3.0, "cached_bpb": 1.5}
