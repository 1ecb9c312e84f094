"""`sources` and `eval` as subprocesses: the ranking, the opt-in cache column, folded whitespace."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(home), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "rnnlm_studio.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def tsv(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    """Tiny-shakespeare's lines, each followed by a tab and its number: tabs no bundled source has seen."""
    lines = [f"{line}\t{i}" for i, line in enumerate(shakespeare_small["test"].read_text().splitlines()[:150]) if line]
    path = tmp_path_factory.mktemp("tsv") / "lines.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sources_ranks_the_bundled_models_on_the_text(tmp_path: Path, shakespeare_small: dict[str, Path]) -> None:
    done = cli(tmp_path, "sources", "--text", str(shakespeare_small["test"]), "--sample-bytes", "3000", "--json")
    assert done.returncode == 0, done.stderr
    ranking = json.loads(done.stdout)
    names = [source["name"] for source in ranking["sources"]]
    assert set(names) >= {"english-lstm", "shakespeare-char"} and names[0] == "shakespeare-char"
    bpb = [source["bpb"] for source in ranking["sources"]]
    assert bpb == sorted(bpb) and ranking["sample_bytes"] <= 3000
    table = cli(tmp_path, "sources", "--text", str(shakespeare_small["test"]), "--sample-bytes", "3000")
    assert table.returncode == 0 and table.stdout.splitlines()[1].split()[:2] == ["1", "shakespeare-char"]


def test_sources_puts_the_chinese_source_first_for_held_out_chinese(tmp_path: Path) -> None:
    from tests.conftest import SHARED_DATA

    novel = (SHARED_DATA / "chinese-classics" / "hongloumeng.txt").read_text(encoding="utf-8")
    text = tmp_path / "last-chapter.txt"
    text.write_text(novel[-20_000:], encoding="utf-8")  # the last chapter: held out from chinese-lstm's training
    done = cli(tmp_path, "sources", "--text", str(text), "--sample-bytes", "6000", "--json")
    assert done.returncode == 0, done.stderr
    ranking = json.loads(done.stdout)["sources"]
    assert ranking[0]["name"] == "chinese-lstm"
    assert ranking[0]["bpb"] < 0.8 * min(source["bpb"] for source in ranking[1:])


def test_sources_refuses_a_missing_text_in_one_line(tmp_path: Path) -> None:
    done = cli(tmp_path, "sources", "--text", str(tmp_path / "nothing.txt"))
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_eval_reads_unseen_tabs_as_spaces_and_counts_the_cache_only_when_asked(tmp_path: Path, tsv: Path) -> None:
    folded = json.loads(cli(tmp_path, "eval", "shakespeare-char", "--text", str(tsv), "--json").stdout)
    exact = json.loads(cli(tmp_path, "eval", "shakespeare-char", "--text", str(tsv), "--json",
                           "--exact-whitespace").stdout)
    assert folded["folded_whitespace"] > 100 and "folded_whitespace" not in exact
    assert folded["bytes"] == exact["bytes"] and folded["bpb"] < exact["bpb"]
    assert "cached_bpb" not in folded
    cached = json.loads(cli(tmp_path, "eval", "shakespeare-char", "--text", str(tsv), "--json",
                            "--cache-window", "500").stdout)
    assert cached["bpb"] == pytest.approx(folded["bpb"]) and "cached_bpb" in cached and "cached_word_ppl" in cached
