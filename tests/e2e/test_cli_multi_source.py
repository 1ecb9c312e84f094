"""Refused combinations of several sources and the mapping T, through the CLI as a user types them:
one clear line, a non-zero exit, no traceback, and nothing left in the run store."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer
from tests.conftest import SHARED_DATA
from tests.e2e.test_cli import cli_process

SMALL = ModelConfig(emb_size=8, hidden_size=12, layers=2)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> dict[str, str]:
    """Two English models of different architectures, written as model folders."""
    root = tmp_path_factory.mktemp("sources")
    tokenizer = Tokenizer.train(Corpus.open([shakespeare_small["train"]]), "unigram", 200)[0]
    folders = {}
    for name, config in (("deep", SMALL), ("shallow", dataclasses.replace(SMALL, layers=1))):
        model = RNNLM(dataclasses.replace(config, vocab_size=tokenizer.vocab_size))
        folders[name] = str(ckpt.save_model_folder(root / name, model, tokenizer))
    return folders


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("zh") / "zh.txt"
    text = (SHARED_DATA / "chinese-classics" / "hongloumeng.txt").read_text(encoding="utf-8")
    path.write_text(text[:30_000], encoding="utf-8")
    return str(path)


def refused(home: Path, *args: str) -> str:
    result = cli_process(home, "train", *args, "--max-steps", "2", "--threads", "1")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert not any((home / "runs").glob("*")), "a refused run leaves nothing behind"
    return lines[0]


def test_mixture_of_sources_that_cannot_read_the_target_is_refused(tmp_path: Path, sources: dict[str, str],
                                                                   chinese: str) -> None:
    line = refused(tmp_path, "--train", chinese, "--tokenizer", "new", "--vocab-size", "300",
                   "--source", sources["deep"], "--source", sources["shallow"], "--multi-source", "mixture",
                   "--transfer", "feature")
    assert "cannot be mapped onto deep's vocabulary" in line


def test_lowrank_on_a_structure_run_is_refused(tmp_path: Path, sources: dict[str, str],
                                               shakespeare_small: dict[str, Path]) -> None:
    line = refused(tmp_path, "--train", str(shakespeare_small["train"]), "--source", sources["deep"],
                   "--transfer", "structure", "--mapping", "lowrank", "--rank", "2")
    assert "--mapping lowrank" in line and "--transfer structure" in line


def test_a_rank_of_zero_is_refused(tmp_path: Path, sources: dict[str, str],
                                   shakespeare_small: dict[str, Path]) -> None:
    line = refused(tmp_path, "--train", str(shakespeare_small["train"]), "--source", sources["deep"],
                   "--transfer", "parameter", "--mapping", "lowrank", "--rank", "0")
    assert "--rank" in line


def test_averaging_sources_of_different_architectures_is_refused(tmp_path: Path, sources: dict[str, str],
                                                                 shakespeare_small: dict[str, Path]) -> None:
    line = refused(tmp_path, "--train", str(shakespeare_small["train"]), "--source", sources["deep"],
                   "--source", sources["shallow"], "--multi-source", "average", "--transfer", "parameter")
    assert "one architecture" in line and "layers 2 against 1" in line


def test_a_chain_across_processes_is_refused(tmp_path: Path, sources: dict[str, str],
                                             shakespeare_small: dict[str, Path]) -> None:
    line = refused(tmp_path, "--train", str(shakespeare_small["train"]), "--source", sources["deep"],
                   "--source", str(shakespeare_small["valid"]), "--multi-source", "chain", "--transfer", "parameter",
                   "--nproc", "2")
    assert "one process" in line
