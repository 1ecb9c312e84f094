"""Lineage: where a run or a model folder came from, read from the run store and config.json provenance."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.errors import StudioError
from rnnlm_studio.core.events import DoneEvent
from rnnlm_studio.core.lineage import BUNDLED, MODEL, RUN, format_tree, lineage
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.trainer import train

REPO = Path(__file__).resolve().parents[2]
TINY = ModelConfig(emb_size=8, hidden_size=12, vocab_size=120, dropout_input=0.0, dropout_hidden=0.0,
                   dropout_output=0.0)


def tiny_run(data: dict[str, Path], text: str = "train", **changes: object) -> str:
    """A 3-step run; its id."""
    config = TrainConfig(train=[str(data[text])], valid=str(data["valid"]), batch_size=8, bptt=16, max_steps=3,
                         eval_every=3, precision="fp32", threads=1, model=TINY, **changes)
    done = list(train(config))[-1]
    assert isinstance(done, DoneEvent), done
    return done.run_id


@pytest.fixture(scope="module")
def family_template(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> dict:
    """A store where a → b → c by run id, m averages a and b, and a three-stage chain starts from a."""
    home = tmp_path_factory.mktemp("lineage-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(home))
        ids = {"a": tiny_run(shakespeare_small, name="a")}
        ids["b"] = tiny_run(shakespeare_small, "test", name="b", source=ids["a"], transfer="parameter")
        ids["c"] = tiny_run(shakespeare_small, name="c", source=ids["b"], transfer="parameter")
        ids["m"] = tiny_run(shakespeare_small, name="m", source=ids["a"], extra_sources=[ids["b"]],
                            multi_source="average", transfer="parameter")
        ids["target"] = tiny_run(shakespeare_small, name="target", source=ids["a"],
                                 extra_sources=[str(shakespeare_small["test"]), str(shakespeare_small["valid"])],
                                 multi_source="chain", transfer="parameter")
    return {"home": home, "ids": ids}


@pytest.fixture
def family(family_template: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private copy of the store (rows keep run folders relative to it), so a test may delete runs."""
    home = tmp_path / "home"
    shutil.copytree(family_template["home"], home)
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(home))
    return family_template["ids"]


def test_a_chain_of_runs_by_id_is_read_oldest_first(family: dict[str, str],
                                                    shakespeare_small: dict[str, Path]) -> None:
    found = lineage("c")
    assert [node.id for node in found.nodes] == [family["a"], family["b"], family["c"]]
    a, b, c = found.nodes
    assert [node.kind for node in found.nodes] == [RUN, RUN, RUN]
    assert (a.parents, b.parents, c.parents) == ([], [a.key], [b.key])
    assert [node.generation for node in found.nodes] == [0, 1, 2]
    assert (a.transfer, b.transfer, c.transfer) == ("scratch", "parameter", "parameter")
    assert b.train == [f"{shakespeare_small['test'].parent.name}/test.txt"], "text named as parent/name"
    store = RunStore()
    assert b.valid_bpb == pytest.approx(store.get(family["b"]).best["bpb"]) and b.valid_bpb > 0
    assert not any(node.missing for node in found.nodes)
    assert found.subject is c


def test_a_run_folder_or_its_checkpoint_is_the_run(family: dict[str, str]) -> None:
    record = RunStore().get(family["b"])
    for ref in (str(record.run_dir), str(record.run_dir / "checkpoints" / "best")):
        assert lineage(ref).subject.key == f"run:{family['b']}"


def test_an_exported_model_folder_descends_from_its_run(family: dict[str, str], tmp_path: Path) -> None:
    folder = ckpt.export_model(family["c"], tmp_path / "exported")
    found = lineage(str(folder))
    assert [node.kind for node in found.nodes] == [RUN, RUN, RUN, MODEL]
    exported = found.subject
    assert exported.name == "exported" and exported.run_id == family["c"]
    assert exported.parents == [f"run:{family['c']}"]


def test_a_deleted_ancestor_is_a_missing_node(family: dict[str, str]) -> None:
    RunStore().delete(family["b"])
    found = lineage(family["c"])
    assert [(node.id, node.missing, node.kind) for node in found.nodes] == [(family["b"], True, RUN),
                                                                           (family["c"], False, RUN)]
    assert "missing" in format_tree(found).splitlines()[0]


def test_a_deleted_runs_checkpoint_as_a_source_is_still_that_run(family: dict[str, str],
                                                                  shakespeare_small: dict[str, Path]) -> None:
    checkpoint = RunStore().find(family["b"]).run_dir / "checkpoints" / "best"
    child = tiny_run(shakespeare_small, name="child", source=str(checkpoint), transfer="parameter")
    assert [node.id for node in lineage(child).nodes] == [family["a"], family["b"], child]
    RunStore().delete(family["b"])
    found = lineage(child)
    assert [(node.id, node.missing, node.kind) for node in found.nodes] == [(family["b"], True, RUN),
                                                                           (child, False, RUN)]


def test_a_moved_source_folder_is_a_missing_node(family: dict[str, str], tmp_path: Path,
                                                  shakespeare_small: dict[str, Path]) -> None:
    folder = ckpt.export_model(family["a"], tmp_path / "mine")
    child = tiny_run(shakespeare_small, name="child", source=str(folder), transfer="parameter")
    assert [node.kind for node in lineage(child).nodes] == [RUN, MODEL, RUN]
    folder.rename(tmp_path / "elsewhere")
    found = lineage(child)
    assert [(node.kind, node.missing) for node in found.nodes] == [(MODEL, True), (RUN, False)]
    assert found.nodes[0].id == str(folder)


def test_a_multi_source_run_has_both_parents(family: dict[str, str]) -> None:
    found = lineage("m")
    assert [node.id for node in found.nodes] == [family["a"], family["b"], family["m"]]
    m = found.subject
    assert m.parents == [f"run:{family['a']}", f"run:{family['b']}"] and m.multi_source == "average"
    assert m.generation == 2, "one more than its latest parent, b (a's child)"
    assert "parameter (average of a + b)" in format_tree(found).splitlines()[-1]


def test_a_chain_numbers_its_stages_and_bridges_a_deleted_one(family: dict[str, str]) -> None:
    target = RunStore().get(family["target"])
    first, second, _ = target.final["lineage"]
    found = lineage(family["target"])
    assert [node.id for node in found.nodes] == [family["a"], first, second, family["target"]]
    assert [(node.chain_stage, node.chain_stages) for node in found.nodes] == [(None, None), (1, 3), (2, 3), (3, 3)]
    assert "chain stage 2 of 3" in format_tree(found).splitlines()[2]
    RunStore().delete(second)
    found = lineage(family["target"])
    assert [(node.id, node.missing) for node in found.nodes] == [
        (family["a"], False), (first, False), (second, True), (family["target"], False)], \
        "the target's row still knows which stage came before the deleted one"


def test_a_circle_in_a_damaged_store_ends() -> None:
    store = RunStore()
    x = store.create(name="x", config={}, source=None, transfer="parameter")
    y = store.create(name="y", config={"source": x.id}, source=x.id, transfer="parameter")
    store.update(x.id, config={"source": y.id})
    found = lineage("x")
    assert [node.name for node in found.nodes] == ["y", "x"]
    assert found.nodes[0].parents == [] and found.nodes[1].parents == [found.nodes[0].key]


def test_a_bundled_model_is_read_from_its_provenance_without_torch() -> None:
    script = ("import sys, json; from rnnlm_studio.core.lineage import lineage; "
              "print(json.dumps(lineage('shakespeare-char').to_dict())); print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.returncode == 0, result.stderr
    found, torch_loaded = result.stdout.splitlines()
    (node,) = json.loads(found)["nodes"]
    assert node["kind"] == BUNDLED and node["train"] == ["tinyshakespeare/input.txt"]
    assert node["transfer"] == "scratch" and 1 < node["valid_bpb"] < 3
    assert torch_loaded == "False"


def test_a_name_nothing_answers_to_is_one_clear_error() -> None:
    with pytest.raises(StudioError, match="no run or model named 'nowhere'"):
        lineage("nowhere")
    with pytest.raises(StudioError, match="no run or model named '~nobody-rnnlm-studio/x'"):
        lineage("~nobody-rnnlm-studio/x")  # a user this machine lacks
