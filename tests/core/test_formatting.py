"""The one formatting module's number forms, where a table or label would otherwise be unreadable."""
from __future__ import annotations

from rnnlm_studio.core.formatting import format_compact


def test_huge_perplexities_are_a_power_of_ten_not_a_row_of_digits() -> None:
    """`chinese-lstm` scores English zero-shot at word ppl 5.7e27: the source ranking showed 28 digits."""
    assert [format_compact(v) for v in (950.0, 281_963.0, 2.5e6, 3.1e10, 5.68e27)] == \
        ["950.0", "282k", "2.5M", "31G", "5.7e+27"]
