"""Chinese through the command line: a GBK file named 红楼梦.txt trains a run that keeps its name,
reports per-character perplexity and lines up in the `runs` table."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlm_studio.core.formatting import display_width
from tests.conftest import SHARED_DATA
from tests.e2e.test_cli import cli_process

TINY = ["--tokenizer-kind", "char", "--vocab-size", "2500", "--emb-size", "32", "--hidden-size", "64",
        "--batch-size", "16", "--bptt", "16", "--lr", "0.03", "--warmup-steps", "5", "--max-steps", "60",
        "--eval-every", "60", "--precision", "fp32", "--threads", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    root = tmp_path_factory.mktemp("cli-chinese")
    lines = (SHARED_DATA / "chinese-classics" / "hongloumeng.txt").read_text(encoding="utf-8").split("\n")
    (root / "红楼梦.txt").write_bytes(("\n".join(lines[1:120]) + "\n").encode("gbk"))
    (root / "valid.txt").write_text("\n".join(lines[120:130]) + "\n", encoding="utf-8")
    home = root / "home"
    result = cli_process(home, "train", "--train", str(root / "红楼梦.txt"), "--valid", str(root / "valid.txt"),
                         *TINY, "--json")
    assert result.returncode == 0, result.stderr
    return home, root, [json.loads(line) for line in result.stdout.splitlines()]


def test_train_names_the_run_after_the_file_and_reports_per_character(trained: tuple[Path, Path, list[dict]]) -> None:
    _, _, events = trained
    done = events[-1]
    assert done["event"] == "done" and done["word_unit"] == "character"
    assert all(e["word_unit"] == "character" for e in events if e["event"] == "eval")
    assert "红楼梦-scratch" in Path(done["run_dir"]).name
    warnings = [e["message"] for e in events if e["event"] == "log"]
    assert any("GB18030 (detected)" in message for message in warnings), warnings


def test_eval_says_the_unit(trained: tuple[Path, Path, list[dict]]) -> None:
    home, root, events = trained
    result = cli_process(home, "eval", events[-1]["run_id"], "--text", str(root / "valid.txt"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["word_unit"] == "character"


def test_runs_table_lines_up_a_chinese_name(trained: tuple[Path, Path, list[dict]]) -> None:
    home, root, _ = trained
    second = cli_process(home, "train", "--train", str(root / "valid.txt"), *TINY, "--max-steps", "2",
                         "--name", "english name", "--json")
    assert second.returncode == 0, second.stderr
    result = cli_process(home, "runs")
    lines = [line for line in result.stdout.splitlines() if "scratch" in line]
    assert len(lines) == 2 and any("红楼梦" in line for line in lines)
    assert len({display_width(line[:line.index("done")]) for line in lines}) == 1, lines
