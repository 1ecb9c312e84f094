"""Model folders: exact round trips, refusal of damaged or foreign files, atomic replacement,
and the resumable training state."""
from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import ModelFileError
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tokenizer(shakespeare_small: dict[str, Path]) -> Tokenizer:
    return Tokenizer.train(Corpus.open([shakespeare_small["valid"]]), "unigram", 300)[0]


def make_model(tokenizer: Tokenizer, **changes) -> RNNLM:
    torch.manual_seed(0)
    cfg = ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=16, hidden_size=32, layers=2, **changes)
    return RNNLM(cfg)


@pytest.fixture
def folder(tmp_path: Path, tokenizer: Tokenizer) -> Path:
    return ckpt.save_model_folder(tmp_path / "model", make_model(tokenizer), tokenizer)


@pytest.mark.parametrize("tied", [True, False])
def test_round_trip_is_bit_identical(tmp_path: Path, tokenizer: Tokenizer, tied: bool) -> None:
    model = make_model(tokenizer, tie_weights=tied, cell="gru")
    with torch.no_grad():
        model.decoder.bias.normal_()  # not the zero init, so a dropped tensor would show
    ckpt.save_model_folder(tmp_path / "m", model, tokenizer)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["README.md", "config.json", "model.safetensors",
                                                                  "tokenizer.model"]
    loaded = ckpt.load_model_folder(tmp_path / "m")
    before, after = model.state_dict(), loaded.model.state_dict()
    assert before.keys() == after.keys()
    for key in before:
        assert torch.equal(before[key], after[key]), key
    assert loaded.model.config == model.config
    assert loaded.tokenizer.fingerprint() == tokenizer.fingerprint()
    if tied:
        assert loaded.model.decoder.weight is loaded.model.embedding.weight
    ids = torch.randint(0, tokenizer.vocab_size, (2, 9))
    model.eval()
    assert torch.equal(model(ids)[0], loaded.model(ids)[0])


def test_truncated_weights_fail_the_checksum(folder: Path) -> None:
    weights = folder / ckpt.WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(ModelFileError, match="checksum"):
        ckpt.load_model_folder(folder)


def test_corrupted_weights_fail_the_checksum(folder: Path) -> None:
    weights = folder / ckpt.WEIGHTS
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        ckpt.load_model_folder(folder)


def test_truncated_weights_without_checksum_are_still_refused(folder: Path) -> None:
    config = json.loads((folder / ckpt.CONFIG).read_text())
    del config["weights_sha256"]
    (folder / ckpt.CONFIG).write_text(json.dumps(config))
    weights = folder / ckpt.WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(ModelFileError, match="safetensors"):
        ckpt.load_model_folder(folder)


def test_missing_config_is_refused(folder: Path) -> None:
    (folder / ckpt.CONFIG).unlink()
    with pytest.raises(ModelFileError, match="config.json is missing"):
        ckpt.load_model_folder(folder)


@pytest.mark.parametrize("text,match", [("{not json", "not valid JSON"), ('["a list"]', "not an RNNLM Studio"),
                                        ('{"format": "other", "model": {}}', "not an RNNLM Studio")])
def test_invalid_config_is_refused(folder: Path, text: str, match: str) -> None:
    (folder / ckpt.CONFIG).write_text(text)
    with pytest.raises(ModelFileError, match=match):
        ckpt.load_model_folder(folder)


def test_config_disagreeing_with_weights_names_the_tensor(folder: Path) -> None:
    config = json.loads((folder / ckpt.CONFIG).read_text())
    config["model"]["hidden_size"] = 48
    (folder / ckpt.CONFIG).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"'rnn\.0\.weight_ih_l0'.*different models"):
        ckpt.load_model_folder(folder)


def test_config_with_an_extra_layer_names_the_missing_tensor(folder: Path) -> None:
    config = json.loads((folder / ckpt.CONFIG).read_text())
    config["model"]["layers"] = 3
    (folder / ckpt.CONFIG).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"no tensor 'rnn\.2\."):
        ckpt.load_model_folder(folder)


def test_invalid_architecture_in_config_is_refused(folder: Path) -> None:
    config = json.loads((folder / ckpt.CONFIG).read_text())
    config["model"]["cell"] = "transformer"
    (folder / ckpt.CONFIG).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="invalid model"):
        ckpt.load_model_folder(folder)


class _Payload:
    """A pickle that creates a file when unpickled: proof of code execution."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".pkl"])
def test_pickle_files_are_refused_without_running_them(tmp_path: Path, suffix: str) -> None:
    marker = tmp_path / "pwned"
    bad = tmp_path / f"model{suffix}"
    bad.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelFileError, match="pickle"):
        ckpt.load_model(bad)
    with pytest.raises(ModelFileError, match="pickle"):
        ckpt.load_model(tmp_path / f"missing{suffix}")
    assert not marker.exists()


def test_a_failed_write_keeps_the_previous_folder(folder: Path, tokenizer: Tokenizer) -> None:
    before = ckpt.load_model_folder(folder).model.state_dict()

    def broken_writer(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        ckpt.save_model_folder(folder, make_model(tokenizer, cell="gru"), tokenizer,
                               extra_files={"extra.json": broken_writer})
    assert [p.name for p in folder.parent.iterdir()] == [folder.name], "a temp folder was left behind"
    after = ckpt.load_model_folder(folder).model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_replace_dir_swaps_only_a_complete_folder(tmp_path: Path) -> None:
    final, tmp = tmp_path / "best", tmp_path / ".best.tmp"
    final.mkdir()
    (final / "v").write_text("old")
    tmp.mkdir()
    (tmp / "v").write_text("new")
    ckpt.replace_dir(tmp, final)
    assert (final / "v").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["best"]


def test_a_kill_between_the_renames_is_recovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    final, tmp = tmp_path / "last", tmp_path / ".last.tmp"
    final.mkdir()
    (final / "v").write_text("old")
    tmp.mkdir()
    real_rename = Path.rename

    def killed(self: Path, target: Path) -> Path:
        if self == tmp:
            raise KeyboardInterrupt  # the process dies after moving the old folder aside
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", killed)
    with pytest.raises(KeyboardInterrupt):
        ckpt.replace_dir(tmp, final)
    monkeypatch.undo()
    assert not final.exists()
    ckpt.recover_dir(final)
    assert (final / "v").read_text() == "old"


def test_training_state_round_trip_restores_the_optimizer_exactly(tmp_path: Path, tokenizer: Tokenizer) -> None:
    model = make_model(tokenizer)
    optimizer = torch.optim.AdamW([{"params": list(model.rnn.parameters()), "initial_lr": 1e-3},
                                   {"params": [model.embedding.weight, model.decoder.bias], "initial_lr": 2e-3}],
                                  lr=1e-3)
    ids = torch.randint(0, tokenizer.vocab_size, (2, 9))
    for _ in range(3):
        optimizer.zero_grad()
        model(ids)[0].logsumexp(-1).mean().backward()
        optimizer.step()
    rng = torch.get_rng_state()
    writers = ckpt.training_state_writers({"step": 3, "epoch": 0}, optimizer, {"rng.cpu": rng})
    ckpt.save_model_folder(tmp_path / "last", model, tokenizer, extra_files=writers)

    loaded = ckpt.load_model_folder(tmp_path / "last").model
    fresh = torch.optim.AdamW([{"params": list(loaded.rnn.parameters()), "initial_lr": 0.0},
                               {"params": [loaded.embedding.weight, loaded.decoder.bias], "initial_lr": 0.0}],
                              lr=0.5)
    meta, tensors = ckpt.load_training_state(tmp_path / "last", fresh)
    assert (meta["step"], meta["epoch"]) == (3, 0)
    assert torch.equal(tensors["rng.cpu"], rng)
    want, got = optimizer.state_dict(), fresh.state_dict()
    assert want["param_groups"] == got["param_groups"]
    assert want["state"].keys() == got["state"].keys()
    for idx, slots in want["state"].items():
        for name, value in slots.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(got["state"][idx][name])), (idx, name)
    assert ckpt.load_training_state_meta(tmp_path / "last")["step"] == 3


def test_missing_training_state_cannot_be_resumed(folder: Path, tokenizer: Tokenizer) -> None:
    optimizer = torch.optim.SGD(make_model(tokenizer).parameters(), lr=0.1)
    with pytest.raises(ModelFileError, match="no training state"):
        ckpt.load_training_state(folder, optimizer)
    with pytest.raises(ModelFileError, match="cannot be resumed"):
        ckpt.load_training_state_meta(folder)


def test_tokenizer_of_another_model_is_refused(tmp_path: Path, tokenizer: Tokenizer,
                                               shakespeare_small: dict[str, Path]) -> None:
    other = Tokenizer.train(Corpus.open([shakespeare_small["test"]]), "char", 100)[0]
    assert other.vocab_size != tokenizer.vocab_size
    folder = ckpt.save_model_folder(tmp_path / "m", make_model(tokenizer), tokenizer)
    other.save(folder / ckpt.TOKENIZER)
    with pytest.raises(ModelFileError, match="tokenizer belongs to another model"):
        ckpt.load_model_folder(folder)


def test_resolve_model_finds_a_run_folders_best_checkpoint(tmp_path: Path, tokenizer: Tokenizer) -> None:
    run = tmp_path / "run"
    ckpt.save_model_folder(run / "checkpoints" / "last", make_model(tokenizer), tokenizer)
    assert ckpt.resolve_model(run) == run / "checkpoints" / "last"
    ckpt.save_model_folder(run / "checkpoints" / "best", make_model(tokenizer), tokenizer)
    assert ckpt.resolve_model(run) == run / "checkpoints" / "best"
    with pytest.raises(ModelFileError, match="no model named"):
        ckpt.resolve_model("no-such-model")
    with pytest.raises(ModelFileError, match="no model named '~nobody-rnnlm-studio/model'"):
        ckpt.resolve_model("~nobody-rnnlm-studio/model")  # a user this machine lacks: named, no traceback


def test_card_is_a_readme_with_hub_metadata_and_config_has_no_absolute_paths(tmp_path: Path,
                                                                              tokenizer: Tokenizer) -> None:
    from rnnlm_studio import __version__
    from rnnlm_studio.core.card import read_card, read_card_metadata

    model = make_model(tokenizer, tie_weights=True, cell="lstm")
    ckpt.save_model_folder(tmp_path / "m", model, tokenizer,
                           provenance={"train": ["/home/alice/corpora/wikitext-2/train.txt", "/srv/novel.txt"],
                                       "source": "/home/alice/models/src", "step": 3})
    metadata = read_card_metadata(tmp_path / "m")
    assert metadata["library_name"] == "rnnlm-studio" and "lstm" in metadata["tags"]
    assert metadata["datasets"] == ["wikitext-2", "novel"] and "perplexity" in metadata["metrics"]
    assert (tmp_path / "m" / "README.md").read_text().startswith("---\n")
    assert read_card(tmp_path / "m").startswith("# m\n")  # the body, without the metadata block
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["software"] == {"rnnlm_studio": __version__, "torch": torch.__version__.split("+")[0]}
    assert config["provenance"] == {"train": ["wikitext-2/train.txt", "srv/novel.txt"], "source": "models/src",
                                    "step": 3}
    assert "/home/alice" not in (tmp_path / "m" / "config.json").read_text()


def test_an_older_folder_with_card_md_still_loads(tmp_path: Path, tokenizer: Tokenizer) -> None:
    from rnnlm_studio.core.card import read_card

    ckpt.save_model_folder(tmp_path / "m", make_model(tokenizer, tie_weights=True, cell="lstm"), tokenizer)
    (tmp_path / "m" / "README.md").unlink()
    (tmp_path / "m" / "card.md").write_text("# old\n\nAn older card.\n")
    assert ckpt.load_model_folder(tmp_path / "m").model is not None
    assert read_card(tmp_path / "m") == "# old\n\nAn older card.\n"


@pytest.mark.parametrize("name,language", [("english-lstm", "en"), ("shakespeare-char", "en"), ("chinese-lstm", "zh")])
def test_bundled_models_have_hub_cards_and_load(name: str, language: str) -> None:
    from rnnlm_studio.core import paths
    from rnnlm_studio.core.card import read_card, read_card_metadata

    folder = paths.bundled_models_dir() / name
    metadata = read_card_metadata(folder)
    assert metadata["language"] == language and metadata["license"] and metadata["datasets"]
    assert read_card(folder).startswith(f"# {name}\n") and not (folder / "card.md").exists()
    config = json.loads((folder / "config.json").read_text())
    assert not any(str(p).startswith("/") for p in config["provenance"]["train"]) and config["software"]["torch"]
    assert ckpt.load_model(name).tokenizer.vocab_size == config["model"]["vocab_size"]  # checksums still hold
