"""Importing a model of PyTorch's word_language_model example (a checkpoint built here)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.errors import StudioError
from rnnlm_studio.core.import_classic import import_classic

WORDS = ["<eos>", "the", "king", "said", "<unk>", "to", "his", "son", ",", "and", "queen", "@-@", "1999", "Déjà"]


class RNNModel(nn.Module):
    """pytorch/examples word_language_model/model.py's RNNModel, as far as its state dict goes."""

    def __init__(self, rnn_type: str, ntoken: int, ninp: int, nhid: int, nlayers: int, tie: bool) -> None:
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie:
            self.decoder.weight = self.encoder.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # ids [T, B] as in the example
        output, _ = self.rnn(self.encoder(ids))
        return torch.log_softmax(self.decoder(output), dim=-1)


def save_classic(folder: Path, rnn_type: str, tie: bool, words: list[str] = WORDS) -> tuple[RNNModel, Path, Path]:
    torch.manual_seed(0)
    model = RNNModel(rnn_type, len(words), 24, 24 if tie else 32, 2, tie).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # far from any init, so a misplaced row would show
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "model.pt")
    (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    return model, folder / "model.pt", folder / "vocab.txt"


@pytest.mark.parametrize("rnn_type,tie", [("LSTM", True), ("LSTM", False), ("GRU", False)])
def test_imported_model_predicts_what_the_classic_one_does(tmp_path: Path, rnn_type: str, tie: bool) -> None:
    classic, file, vocab = save_classic(tmp_path / "classic", rnn_type, tie)
    target = import_classic(file, vocab, tmp_path / "imported")
    loaded = ckpt.load_model_folder(target)
    assert loaded.tokenizer.kind == "word" and loaded.model.config.cell == rnn_type.lower()
    assert loaded.model.config.tie_weights == tie and loaded.model.config.layers == 2
    text = ["the", "king", "said", "to", "his", "son", ",", "and", "the", "queen", "@-@", "1999", "Déjà", "<eos>"]
    classic_ids = torch.tensor([[WORDS.index(w)] for w in text])
    ours = loaded.tokenizer.encode(" ".join(text[:-1])) + [loaded.tokenizer.eos_id]
    assert len(ours) == len(text) and loaded.tokenizer.unk_id not in ours
    with torch.no_grad():
        expected = classic(classic_ids)[:, 0]  # [T, V] in the example's ids
        logits, _ = loaded.model(torch.tensor([ours]))
        got = torch.log_softmax(logits[0], dim=-1)
    # each next word's log-probability, looked up in each model's own ids
    for t in range(len(text) - 1):
        assert got[t, ours[t + 1]].item() == pytest.approx(expected[t, WORDS.index(text[t + 1])].item(), abs=1e-4)
    assert loaded.tokenizer.decode(ours) == " ".join(text[:-1]) + "\n"


def test_the_cli_imports_and_the_model_generates(tmp_path: Path) -> None:
    _, file, vocab = save_classic(tmp_path / "classic", "LSTM", True)
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(tmp_path / "home"))
    run = [sys.executable, "-m", "rnnlm_studio.cli"]
    result = subprocess.run([*run, "import", str(file), "--vocab", str(vocab), "--to", str(tmp_path / "m")],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    out = subprocess.run([*run, "generate", str(tmp_path / "m"), "--prompt", "the king", "--max-tokens", "5",
                          "--seed", "1"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.startswith("the king"), out.stderr
    assert ckpt.read_config(tmp_path / "m")["provenance"]["imported_from"] == "classic/model.pt"


def test_a_vocabulary_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    _, file, vocab = save_classic(tmp_path / "classic", "LSTM", True)
    vocab.write_text("\n".join(WORDS[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(StudioError, match="13 words"):
        import_classic(file, vocab, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_a_pickled_object_is_never_run(tmp_path: Path) -> None:
    _, _, vocab = save_classic(tmp_path / "classic", "LSTM", True)
    torch.save({"model": RNNModel("LSTM", 3, 4, 4, 1, True)}, tmp_path / "whole.pt")  # an object, not a state dict
    with pytest.raises(StudioError, match="more than tensors"):
        import_classic(tmp_path / "whole.pt", vocab, tmp_path / "m")
