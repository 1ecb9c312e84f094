"""Task transfer through real processes: train without --json, then predict (plain, --json, stdin)."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_classify import FRUIT, TOOLS, toy_source, toy_tsv  # noqa: F401 (fixtures)
from tests.core.test_tagging import tagged_lines
from tests.e2e.test_cli import REPO, cli_process

TASK = ["--transfer", "task", "--lr", "0.01", "--batch-size", "16", "--max-steps", "45", "--eval-every", "15",
        "--device", "cpu", "--precision", "fp32", "--threads", "1"]
INPUTS = [" ".join(FRUIT[:5]), "", " ".join(TOOLS[:5]), "the " + " ".join(FRUIT[5:])]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("task-cli-home")


@pytest.fixture(scope="module")
def trained(home: Path, toy_tsv: Path, toy_source: Path) -> subprocess.CompletedProcess:  # noqa: F811
    return cli_process(home, "train", "--train", str(toy_tsv), "--source", str(toy_source), *TASK, "--name", "clf")


def predict(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "rnnlm_studio.cli", "predict", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, input=stdin, timeout=300)


def test_a_task_run_without_json_ends_with_an_accuracy_table(trained: subprocess.CompletedProcess) -> None:
    assert trained.returncode == 0, trained.stderr
    assert "Traceback" not in trained.stderr
    header = next(line for line in trained.stdout.splitlines() if "accuracy" in line)
    assert header.split() == ["loss", "accuracy", "macro-F1"]
    assert "accuracy" in trained.stderr  # the evaluation lines


def test_predict_labels_each_line_plain_json_and_stdin(trained: subprocess.CompletedProcess, home: Path,
                                                       tmp_path: Path) -> None:
    assert trained.returncode == 0, trained.stderr
    text = tmp_path / "inputs.txt"
    text.write_text("\n".join(INPUTS) + "\n", encoding="utf-8")
    as_json = predict(home, "clf", "--text", str(text), "--json")
    assert as_json.returncode == 0, as_json.stderr
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [o["text"] for o in objects] == [t for t in INPUTS if t]  # the blank line is skipped
    for o in objects:
        assert set(o) == {"text", "label", "probabilities"} and set(o["probabilities"]) == {"fruit", "tool"}
        assert o["label"] == max(o["probabilities"], key=o["probabilities"].get)
        assert abs(sum(o["probabilities"].values()) - 1) < 1e-5
    plain = predict(home, "clf", "--text", str(text))
    rows = plain.stdout.splitlines()
    assert plain.returncode == 0 and len(rows) == 3
    assert [row.split()[0] for row in rows] == [o["label"] for o in objects]
    assert rows[0].split()[1] == f"{objects[0]['probabilities'][objects[0]['label']]:.1%}"
    assert len({row.index(o["text"]) for row, o in zip(rows, objects)}) == 1  # texts start in one column
    piped = predict(home, "clf", "--text", "-", "--json", stdin=text.read_text())
    assert piped.stdout == as_json.stdout


def test_predict_with_a_language_model_is_one_clear_line(toy_source: Path, home: Path) -> None:  # noqa: F811
    result = predict(home, str(toy_source), "--text", "-", stdin="apple pear\n")
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "not a classifier or tagger" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_tagger_trains_from_a_tagging_file_and_predict_prints_each_word_with_its_tag(
        home: Path, toy_source: Path, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "ner.conll"
    data.write_text(tagged_lines(random.Random(1), 120), encoding="utf-8")
    result = cli_process(home, "train", "--train", str(data), "--source", str(toy_source), *TASK, "--name", "ner")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    header = next(line for line in result.stdout.splitlines() if "accuracy" in line)
    assert header.split() == ["loss", "accuracy", "macro-F1", "entity", "F1"]
    line = f"the {FRUIT[0]} {FRUIT[1]} with {TOOLS[2]}"
    plain = predict(home, "ner", "--text", "-", stdin=line + "\n")
    assert plain.returncode == 0, plain.stderr
    pairs = [cell.rsplit("/", 1) for cell in plain.stdout.split()]
    assert [word for word, _tag in pairs] == line.split()
    assert {tag for _word, tag in pairs} <= {"B-FRUIT", "I-FRUIT", "B-TOOL", "O"}
    as_json = json.loads(predict(home, "ner", "--text", "-", "--json", stdin=line + "\n").stdout)
    assert [t["tag"] for t in as_json["tokens"]] == [tag for _word, tag in pairs]
