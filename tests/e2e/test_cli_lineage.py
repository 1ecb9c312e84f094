"""`runs --lineage`, through real processes: a run started from another by id, as a tree and as JSON."""
from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import cli_process

TINY = ["--vocab-size", "120", "--emb-size", "8", "--hidden-size", "12", "--batch-size", "8", "--bptt", "16",
        "--max-steps", "3", "--eval-every", "3", "--precision", "fp32", "--threads", "1", "--json"]


def test_runs_lineage_prints_the_ancestors_oldest_first(tmp_path: Path, shakespeare_small: dict[str, Path]) -> None:
    home = tmp_path / "home"
    data = ["--train", str(shakespeare_small["train"]), "--valid", str(shakespeare_small["valid"])]
    first = cli_process(home, "train", *data, *TINY, "--name", "parent")
    assert first.returncode == 0, first.stderr
    parent = json.loads(first.stdout.splitlines()[-1])["run_id"]
    second = cli_process(home, "train", *data, *TINY, "--name", "child", "--source", parent,
                         "--transfer", "parameter")
    assert second.returncode == 0, second.stderr
    child = json.loads(second.stdout.splitlines()[-1])["run_id"]

    tree = cli_process(home, "runs", "--lineage", "child")
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"parent  run {parent} · scratch · trained on ")
    assert lines[1].startswith(f"└─ child  run {child} · parameter · ") and "bits/byte" in lines[1]

    as_json = cli_process(home, "runs", "--lineage", child, "--json")
    assert as_json.returncode == 0, as_json.stderr
    found = json.loads(as_json.stdout)
    assert [node["id"] for node in found["nodes"]] == [parent, child]
    assert found["subject"] == f"run:{child}" and found["nodes"][1]["parents"] == [f"run:{parent}"]

    listed = cli_process(home, "runs", "--json")  # the list itself is as it was
    assert [run["id"] for run in json.loads(listed.stdout)] == [child, parent]

    unknown = cli_process(home, "runs", "--lineage", "nowhere")
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
    assert unknown.stderr.splitlines() == ["error: no run or model named 'nowhere': `rnnlm-studio runs` lists the "
                                           "runs and `rnnlm-studio models` the models"]
