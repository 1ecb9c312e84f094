"""`import FILE --vocab WORDS.txt`: a model of PyTorch's word_language_model example as a model folder.

That example (pytorch/examples, `word_language_model`) saves an `RNNModel` whose state dict has
`encoder.weight` [V, E], `rnn.weight_ih_l{i}` / `weight_hh_l{i}` / `bias_ih_l{i}` / `bias_hh_l{i}`
of one stacked `nn.LSTM`/`nn.GRU`/`nn.RNN`, and `decoder.weight` [V, H] / `decoder.bias` [V]
(`--tied` shares the decoder with the encoder, which needs E = H). Its vocabulary is the order in
which `data.Dictionary` met the words, ending each line with `<eos>`; the user gives it as a text
file, one word per line (`"\n".join(corpus.dictionary.idx2word)`). The words become a SentencePiece
`word` model, whose ids differ from the list's, so every vocabulary row is moved to its word's id.
"""
from __future__ import annotations

import re
from pathlib import Path

import torch

from .checkpoint import read_state_dict, require_new_folder, save_model_folder
from .config import ModelConfig
from .errors import ModelFileError
from .model import RNNLM
from .tokenizer import WORD_START, Tokenizer
from .validation import require_regular_file

CLASSIC_EOS = "<eos>"
CLASSIC_UNK = "<unk>"
GATES = {4: "lstm", 3: "gru", 1: "rnn_tanh"}  # rows of weight_ih per hidden unit


def read_vocabulary(path: Path) -> list[str]:
    require_regular_file(Path(path), "give a UTF-8 text file, one word per line")
    try:
        words = Path(path).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"cannot read the word list {path} ({exc}): give a UTF-8 text file, "
                             "one word per line") from exc
    while words and words[-1] == "":
        words.pop()
    return words


def classic_architecture(state: dict[str, torch.Tensor], file: Path, vocab_size: int) -> ModelConfig:
    """The ModelConfig the example's tensors describe; refuses anything else with the reason."""
    for key in ("encoder.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "decoder.weight", "decoder.bias"):
        if key not in state:
            raise ModelFileError(f"{file} has no {key!r}: it is not a word_language_model RNNModel state dict "
                                 "(Transformer models are not supported); for an RNNLM Studio state dict use --like")
    rows, emb = state["encoder.weight"].shape
    hidden = state["rnn.weight_hh_l0"].shape[1]
    gates = state["rnn.weight_ih_l0"].shape[0] // hidden
    if gates not in GATES:
        raise ModelFileError(f"{file}: rnn.weight_ih_l0 has {state['rnn.weight_ih_l0'].shape[0]} rows for "
                             f"{hidden} hidden units, which is no LSTM, GRU or RNN")
    if rows != vocab_size:
        raise ModelFileError(f"{file} has {rows} vocabulary rows but the word list has {vocab_size} words: "
                             "give the vocabulary the model was trained with, in its order")
    layers = len([k for k in state if re.fullmatch(r"rnn\.weight_ih_l\d+", k)])
    tied = emb == hidden and torch.equal(state["encoder.weight"], state["decoder.weight"])
    return ModelConfig(cell=GATES[gates], emb_size=emb, hidden_size=hidden, layers=layers, tie_weights=tied)


def _row_order(words: list[str], tokenizer: Tokenizer) -> torch.Tensor:
    """For each of our ids, the example's row: `<eos>` is our end of line, `<unk>` our unknown;
    an id the example lacks (its vocabulary had no `<unk>`) takes row -1, filled in by the caller."""
    index = {word: i for i, word in enumerate(words)}
    order = []
    for i in range(tokenizer.vocab_size):
        if i == tokenizer.eos_id:
            order.append(index.get(CLASSIC_EOS, -1))
        elif i == tokenizer.unk_id:
            order.append(index.get(CLASSIC_UNK, -1))
        else:
            order.append(index[tokenizer.id_to_piece(i).removeprefix(WORD_START)])
    return torch.tensor(order)


def _reorder(rows: torch.Tensor, order: torch.Tensor, fill: torch.Tensor) -> torch.Tensor:
    out = rows[order.clamp(min=0)].clone()
    out[order < 0] = fill
    return out


def classic_state(state: dict[str, torch.Tensor], order: torch.Tensor, config: ModelConfig) -> dict[str, torch.Tensor]:
    """The example's tensors under our names, vocabulary rows in our ids' order. A missing `<unk>`
    gets the mean embedding and the lowest output bias: never predicted, harmless when read."""
    encoder, bias = state["encoder.weight"].float(), state["decoder.bias"].float()
    ours = {"embedding.weight": _reorder(encoder, order, encoder.mean(0)),
            "decoder.bias": _reorder(bias, order, bias.min())}
    if not config.tie_weights:
        decoder = state["decoder.weight"].float()
        ours["decoder.weight"] = _reorder(decoder, order, decoder.mean(0))
    for layer in range(config.layers):
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            key = f"rnn.{kind}_l{layer}"
            if key in state:
                ours[f"rnn.{layer}.{kind}_l0"] = state[key].float()
    return ours


def import_classic(file: Path, vocabulary: Path, target: Path) -> Path:
    require_new_folder(Path(target), "import --to")
    words = read_vocabulary(vocabulary)
    state = read_state_dict(file)
    config = classic_architecture(state, Path(file), len(words))
    tokenizer = Tokenizer.from_words([w for w in words if w not in (CLASSIC_EOS, CLASSIC_UNK)])
    config.vocab_size = tokenizer.vocab_size
    model = RNNLM(config)
    ours = classic_state(state, _row_order(words, tokenizer), config)
    missing, unexpected = model.load_state_dict(ours, strict=False)
    needed = [key for key in missing if not (config.tie_weights and key == "decoder.weight")]
    if needed or unexpected:
        raise ModelFileError(f"{file}: tensors {', '.join(needed + unexpected)} do not fit a {config.layers}-layer "
                             f"{config.cell.upper()}; the file is not a word_language_model model")
    return save_model_folder(Path(target), model, tokenizer,
                             provenance={"imported_from": str(file), "vocabulary": str(vocabulary),
                                         "format": "pytorch/examples word_language_model"})
