"""generate, complete, export and import through real processes, on a freshly trained tiny model."""
from __future__ import annotations

import json
import pickle
import subprocess
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core.checkpoint import load_model_folder
from tests.e2e.test_cli import TINY, cli_process


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-models-home")


@pytest.fixture(scope="module")
def run_dir(home: Path, shakespeare_small: dict[str, Path]) -> Path:
    tiny = [a if a != "120" else "60" for a in TINY]
    result = cli_process(home, "train", "--train", str(shakespeare_small["train"]), "--valid",
                         str(shakespeare_small["valid"]), *tiny, "--json")
    assert result.returncode == 0, result.stderr
    return Path(json.loads(result.stdout.splitlines()[-1])["run_dir"])


def test_generate_with_a_seed_repeats_itself_and_continues_the_prompt(home: Path, run_dir: Path) -> None:
    args = ("generate", str(run_dir), "--prompt", "KING:", "--max-tokens", "30", "--temperature", "0.8")
    first = cli_process(home, *args, "--seed", "3")
    again = cli_process(home, *args, "--seed", "3")
    other = cli_process(home, *args, "--seed", "4")
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout and first.stdout.startswith("KING:")
    assert len(first.stdout) > len("KING:") + 10 and first.stdout != other.stdout


def test_generate_refuses_a_bad_option_in_one_line(home: Path, run_dir: Path) -> None:
    result = cli_process(home, "generate", str(run_dir), "--prompt", "x", "--top-p", "1.5")
    assert result.returncode != 0 and len(result.stderr.splitlines()) == 1 and "--top-p" in result.stderr


def test_complete_json_lists_words_most_probable_first(home: Path, run_dir: Path) -> None:
    result = cli_process(home, "complete", str(run_dir), "--prompt", "And the ", "-k", "4", "--json")
    assert result.returncode == 0, result.stderr
    suggestions = json.loads(result.stdout)["suggestions"]
    probabilities = [s["probability"] for s in suggestions]
    assert len(suggestions) == 4 and probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1 and all(s["text"].strip() for s in suggestions)


def test_export_fp16_halves_the_weights_and_predicts_the_same(home: Path, run_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "exported"
    result = cli_process(home, "export", str(run_dir), "--to", str(target), "--fp16")
    assert result.returncode == 0, result.stderr
    best = run_dir / "checkpoints" / "best"
    assert (target / "model.safetensors").stat().st_size < 0.6 * (best / "model.safetensors").stat().st_size
    assert not (target / "optimizer.safetensors").exists() and not (target / "training_state.json").exists()
    full, half = load_model_folder(best), load_model_folder(target)
    ids = torch.arange(20)[None] % full.config["model"]["vocab_size"]
    with torch.no_grad():
        assert torch.allclose(full.model(ids)[0], half.model(ids)[0], atol=0.05)


class _Boom:
    def __reduce__(self):  # what a malicious checkpoint does: run a command when unpickled
        return (Path.touch, (Path(self.marker),))


def test_import_reads_a_state_dict_and_never_runs_a_pickle(home: Path, run_dir: Path, tmp_path: Path) -> None:
    best = run_dir / "checkpoints" / "best"
    good = tmp_path / "weights.pt"
    torch.save(load_model_folder(best).model.state_dict(), good)
    result = cli_process(home, "import", str(good), "--like", str(best), "--to", str(tmp_path / "imported"))
    assert result.returncode == 0, result.stderr
    assert load_model_folder(tmp_path / "imported").model.state_dict().keys() == \
        load_model_folder(best).model.state_dict().keys()

    marker = tmp_path / "pwned"
    boom = _Boom()
    boom.marker = str(marker)
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"embedding.weight": boom}))
    for args in (("import", str(evil), "--like", str(best), "--to", str(tmp_path / "x")),
                 ("generate", str(evil), "--prompt", "x"), ("eval", str(evil), "--text", str(evil))):
        refused: subprocess.CompletedProcess = cli_process(home, *args)
        assert refused.returncode != 0 and len(refused.stderr.splitlines()) == 1, refused.stderr
        assert "Traceback" not in refused.stderr
    assert not marker.exists()
