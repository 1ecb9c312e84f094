"""Run comparison: interpolation, transfer gain at equal tokens, notes, and the terminal table."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rnnlm_studio.core.compare import (
    TOKENIZER_NOTE, VALID_TEXT_NOTE, WIDE_PPL_NOTE, Curve, compare_runs, curve_from_events, format_table, rows_to_json,
    transfer_gain, value_at,
)
from rnnlm_studio.core.errors import StudioError
from rnnlm_studio.core.runs import RunStore, append_event


def curve(tokens: list[int], word_ppl: list[float], name: str = "run") -> Curve:
    bpb = [math.log2(p) / 4 for p in word_ppl]
    return Curve(run_id=name, name=name, tokens=tokens, steps=list(range(len(tokens))),
                 elapsed=[float(t) / 1000 for t in tokens], word_ppl=word_ppl, bpb=bpb, ppl=word_ppl)


def saved(transfer_ppl: float, baseline_ppl: float) -> float:
    """Bits saved between two points of `curve`'s runs, whose bits per byte are log2(word ppl) / 4."""
    return 1 - math.log(transfer_ppl) / math.log(baseline_ppl)


def eval_event(tokens: int, word_ppl: float, split: str = "valid") -> dict:
    return {"event": "eval", "step": tokens // 100, "tokens_seen": tokens, "elapsed": tokens / 1000,
            "split": split, "loss": math.log(word_ppl), "ppl": word_ppl, "word_ppl": word_ppl,
            "bpb": math.log2(word_ppl) / 4}


def test_value_at_interpolates_in_log_space() -> None:
    c = curve([1000, 2000, 4000], [400.0, 100.0, 50.0])
    assert value_at(c, 1000) == 400.0
    assert value_at(c, 1500) == pytest.approx(200.0)  # sqrt(400 * 100)
    assert value_at(c, 3000) == pytest.approx(math.sqrt(100 * 50))
    assert value_at(c, 4000) == 50.0


def test_value_at_bits_per_byte_is_linear() -> None:
    c = Curve("r", "r", [0, 100], [0, 1], [0.0, 1.0], [8.0, 2.0], [4.0, 2.0], [8.0, 2.0])
    assert value_at(c, 25, "bpb") == pytest.approx(3.5)


def test_value_at_outside_the_curve_is_none() -> None:
    c = curve([1000, 2000], [100.0, 50.0])
    assert value_at(c, 999) is None and value_at(c, 2001) is None
    assert value_at(curve([], []), 0) is None
    with pytest.raises(ValueError, match="metric"):
        value_at(c, 1500, "accuracy")


def test_transfer_gain_over_the_same_tokens() -> None:
    result = transfer_gain(curve([1000, 2000], [100.0, 50.0], "t"), curve([1000, 2000], [200.0, 100.0], "s"))
    assert (result.tokens, result.transfer_word_ppl, result.baseline_word_ppl) == (2000, 50.0, 100.0)
    assert result.gain == pytest.approx(saved(50, 100)) and result.final_gain == pytest.approx(saved(50, 100))
    assert result.word_ppl_ratio == pytest.approx(0.5) and result.final_word_ppl_ratio == pytest.approx(0.5)
    assert not result.negative
    assert result.message == ("transfer saved 15.1% of the bits per byte versus training from scratch at 2K tokens "
                              "(1.411 against 1.661 bits per byte; word perplexity x0.50)")


def test_transfer_gain_uses_the_common_range() -> None:
    short_transfer = curve([1000, 2000], [100.0, 50.0])
    long_baseline = curve([1000, 2000, 3000, 4000], [400.0, 200.0, 150.0, 100.0])
    result = transfer_gain(short_transfer, long_baseline)
    assert result.tokens == 2000 and result.gain == pytest.approx(saved(50, 200))
    assert result.word_ppl_ratio == pytest.approx(50 / 200) and result.final_gain == pytest.approx(saved(50, 100))


def test_transfer_gain_interpolates_the_longer_run() -> None:
    result = transfer_gain(curve([1000, 3000], [100.0, 25.0]), curve([1000, 2000], [200.0, 100.0]))
    assert result.tokens == 2000
    assert result.transfer_word_ppl == pytest.approx(50.0) and result.gain == pytest.approx(saved(50, 100))


def test_negative_transfer_is_flagged() -> None:
    result = transfer_gain(curve([500_000, 1_200_000], [300.0, 112.0]),
                           curve([500_000, 1_200_000], [250.0, 100.0]))
    assert result.negative and result.gain == pytest.approx(saved(112, 100)) and result.word_ppl_ratio == pytest.approx(1.12)
    assert result.message.startswith("negative transfer: starting from the source cost 2.5% more bits per byte")
    assert "at 1.2M tokens" in result.message and "ulmfit" in result.message


def test_transfer_gain_needs_overlapping_curves() -> None:
    with pytest.raises(StudioError, match="no validation points"):
        transfer_gain(curve([], [], "empty"), curve([1000], [10.0]))
    with pytest.raises(StudioError) as caught:
        transfer_gain(curve([5000, 6000], [10.0, 9.0], "t"), curve([1000, 2000], [20.0, 15.0], "s"))
    assert str(caught.value) == ("runs t and s were never evaluated at a common number of tokens seen (t: 5K to 6K "
                                 "tokens; s: 1K to 2K tokens), so there is no point where the two can be compared: "
                                 "evaluate both more often, or train the shorter one longer")


def test_curve_from_events_keeps_valid_evals_and_resumed_points_win() -> None:
    events = [
        {"event": "step", "step": 1, "tokens_seen": 100, "loss": 5.0},
        eval_event(1000, 300.0), eval_event(1000, 310.0, split="test"),
        eval_event(2000, 200.0), eval_event(3000, 150.0),
        eval_event(2000, 190.0), eval_event(3000, 140.0),  # resumed from the 2000-token checkpoint
    ]
    c = curve_from_events("id", "name", events)
    assert c.tokens == [1000, 2000, 3000] and c.word_ppl == [300.0, 190.0, 140.0]
    assert c.steps == [10, 20, 30] and c.elapsed == [1.0, 2.0, 3.0]
    assert c.bpb == pytest.approx([math.log2(p) / 4 for p in (300.0, 190.0, 140.0)])


def make_run(store: RunStore, name: str, transfer: str, points: list[tuple[int, float]],
             tokenizer: str = "fp-a", valid: str = "valid.txt") -> str:
    record = store.create(name=name, config={"train": ["train.txt"], "valid": valid},
                          source=None if transfer == "scratch" else "/models/tiny-wiki",
                          transfer=transfer, tokenizer=tokenizer)
    for tokens, ppl in points:
        append_event(record.run_dir, eval_event(tokens, ppl))
    last_tokens, last_ppl = points[-1]
    store.update(record.id, status="done", tokens_seen=last_tokens, elapsed=125.0,
                 best={"word_ppl": min(p for _, p in points)},
                 final={"valid": {"word_ppl": last_ppl, "bpb": 1.25}, "test": {"word_ppl": last_ppl * 1.1, "bpb": 1.3}})
    return record.id


def test_compare_runs_uses_an_unlisted_baseline(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    scratch = make_run(store, "scratch", "scratch", [(1000, 200.0), (2000, 100.0)])
    transfer = make_run(store, "transfer", "parameter", [(1000, 100.0), (2000, 50.0)])
    store.link_baseline(transfer, scratch)
    rows, curves, notes = compare_runs(store, ["transfer"])
    assert [row.run_id for row in rows] == [transfer] and [c.run_id for c in curves] == [transfer]
    row = rows[0]
    assert row.gain is not None and row.gain.gain == pytest.approx(saved(50, 100))
    assert (row.final_valid_word_ppl, row.final_test_word_ppl, row.best_valid_word_ppl) == pytest.approx((50.0, 55.0, 50.0))
    assert (row.final_valid_bpb, row.final_test_bpb, row.tokens_seen) == (1.25, 1.3, 2000)
    assert notes == []


def test_compare_runs_notes_what_is_not_comparable(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    a = make_run(store, "a", "scratch", [(1000, 200.0)], tokenizer="fp-a")
    b = make_run(store, "b", "parameter", [(1000, 150.0)], tokenizer="fp-b", valid="other.txt")
    rows, _, notes = compare_runs(store, [a, b, a])
    assert [row.run_id for row in rows] == [a, b]
    assert TOKENIZER_NOTE in notes and VALID_TEXT_NOTE in notes
    assert any("run b has no scratch baseline" in note for note in notes)
    assert rows[1].gain is None


def test_compare_runs_same_tokenizer_has_no_tokenizer_note(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    refs = [make_run(store, name, "scratch", [(1000, 100.0)]) for name in ("x", "y")]
    assert compare_runs(store, refs)[2] == []


def test_compare_runs_turns_gain_problems_into_notes(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    scratch = store.create(name="empty", config={}, source=None, transfer="scratch").id
    transfer = make_run(store, "t", "parameter", [(1000, 100.0)])
    store.link_baseline(transfer, scratch)
    rows, _, notes = compare_runs(store, [transfer])
    assert rows[0].gain is None and "no validation points" in rows[0].gain_note
    assert any("no transfer gain for run t" in note and "no validation points" in note for note in notes)


def gain_row(store: RunStore, transfer_ppl: float) -> str:
    scratch = make_run(store, "base", "scratch", [(1000, 200.0), (2_000_000, 100.0)])
    transfer = make_run(store, f"tr-{transfer_ppl:g}", "parameter", [(1000, 150.0), (2_000_000, transfer_ppl)])
    store.link_baseline(transfer, scratch)
    return transfer


def test_format_table_shows_numbers_aligned_and_gain(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    good, bad = gain_row(store, 68.8), gain_row(store, 112.0)
    rows, _, _ = compare_runs(store, [good, bad])
    lines = format_table(rows).splitlines()
    header, first, second = lines
    assert header.startswith("run") and "valid wppl" in header and "gain" in header
    assert "tiny-wiki" in first and "68.80" in first and "75.68" in first and "2M" in first and "2m05s" in first
    assert first.endswith(f"{saved(68.8, 100):+.1%} (x0.69)")
    assert second.endswith(f"{saved(112, 100):+.1%} (x1.12) (negative transfer)")
    end = header.index("valid wppl") + len("valid wppl")
    assert first.index("68.80") + len("68.80") == end and second.index("112.00") + len("112.00") == end


def test_format_table_marks_missing_values(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = store.create(name="fresh", config={}, source=None, transfer="scratch").id
    rows, _, _ = compare_runs(store, [run_id])
    row_line = format_table(rows).splitlines()[1]
    assert row_line.split() == ["fresh", "scratch", "-", "-", "-", "-", "-", "-", "-", "0", "0s", "-"]


def test_rows_to_json_is_serialisable(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    rows, _, _ = compare_runs(store, [gain_row(store, 50.0)])
    data = json.loads(json.dumps(rows_to_json(rows)))
    assert data[0]["gain"]["gain"] == pytest.approx(saved(50, 100)) and data[0]["final_valid_word_ppl"] == 50.0
    assert data[0]["gain"]["word_ppl_ratio"] == pytest.approx(0.5)
    assert data[0]["transfer"] == "parameter"


def test_past_ten_thousand_word_perplexity_bits_per_byte_lead(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    tame = make_run(store, "tame", "scratch", [(1000, 300.0)])
    rows, _, notes = compare_runs(store, [tame])
    assert format_table(rows).splitlines()[0].index("wppl") < format_table(rows).splitlines()[0].index("bpb")
    assert WIDE_PPL_NOTE not in notes
    wild = make_run(store, "wild", "scratch", [(1000, 53_172.0)])
    rows, _, notes = compare_runs(store, [tame, wild])
    header = format_table(rows).splitlines()[0]
    assert header.index("valid bpb") < header.index("valid wppl") and "best bpb" in header
    assert WIDE_PPL_NOTE in notes and "10^4" in WIDE_PPL_NOTE
