"""The console's final table: the network's figures, the cache's beside them only when asked, and the gain."""
from __future__ import annotations

from rnnlm_studio.core.events import DoneEvent
from rnnlm_studio.progress import done_table

NETWORK = {"loss": 4.2, "ppl": 66.7, "word_ppl": 712.04, "bpb": 1.62}


def done(valid: dict, baseline: dict | None = None) -> DoneEvent:
    return DoneEvent(run_id="r", run_dir="/runs/r", step=10, tokens_seen=5120, elapsed=3.0, tokens_per_s=1706.0,
                     reason="budget", valid=valid, test={}, best_checkpoint="/runs/r/checkpoints/best",
                     baseline=baseline)


def test_the_table_shows_the_network_alone_unless_the_cache_was_asked_for() -> None:
    header, row = done_table(done(NETWORK)).splitlines()[2:4]
    assert "cached" not in header and "712.04" in row
    cached = done_table(done({**NETWORK, "cached_word_ppl": 376.0, "cached_bpb": 1.41})).splitlines()
    assert cached[2].endswith("cached wppl   cached bpb")
    assert cached[3].split()[3:] == ["712.04", "1.6200", "376.00", "1.4100"]


def test_a_run_with_a_baseline_ends_with_the_gain_in_bits_saved() -> None:
    baseline = {"valid": {"loss": 4.4, "ppl": 81.5, "word_ppl": 950.0, "bpb": 1.70}, "test": {}, "gain": 0.047,
                "word_ppl_ratio": 0.75, "message": "transfer saved 4.7% of the bits per byte"}
    lines = done_table(done(NETWORK, baseline)).splitlines()
    assert any(line.split()[:2] == ["baseline", "valid"] and "950.00" in line for line in lines)
    assert "bits saved" in lines[-2] and lines[-2].endswith("transfer saved 4.7% of the bits per byte")
