"""The window's words for settings named in core's messages (`core.errors.set_spelling`).

Core marks a setting instead of naming a command-line option; here it becomes what a user of
the window sees and where to change it, so a refusal never says "pass --train". No Qt here:
a training child process the window starts spells its messages with it too.
"""
from __future__ import annotations

WORDING_ENV = "RNNLM_STUDIO_WORDING"  # "gui" in the environment of a training child the window starts
CORPUS, MODEL = "Corpus panel", "Model & Transfer panel"

NAMES = {  # setting -> the thing and the panel that holds it
    "train": ("the training text", CORPUS), "valid": ("a validation file", CORPUS),
    "split": ("the validation and test shares", CORPUS), "tokenizer": ("the tokenizer choice", CORPUS),
    "tokenizer_kind": ("the tokenizer kind", CORPUS), "vocab_size": ("the vocabulary size", CORPUS),
    "source": ("the source model", MODEL), "transfer": ("the transfer type", MODEL),
    "lr": ("the learning rate", MODEL), "clip": ("the gradient clip", MODEL), "batch_size": ("the batch size", MODEL),
    "bptt": ("the sequence length", MODEL), "device": ("the device", MODEL),
    "layers": ("the recurrent layers", MODEL), "hidden_size": ("the hidden size", MODEL),
    "no_tie": ("the own output layer", MODEL),
    "feature_layer": ("the source layer read", MODEL), "multi_source": ("the method of combining sources", MODEL),
    "mapping": ("the learned mapping", MODEL), "rank": ("the learned mapping's rank", MODEL),
    "source_weights": ("the weights of the sources", MODEL), "average_from": ("the weight averaging", MODEL),
    "transfer_layers": ("the layers to copy", MODEL), "freeze": ("the layers to freeze", MODEL),
}
FIXES = {  # setting -> the imperative that supplies it
    "train": "add a text file or folder in the Corpus panel (Add files…)",
    "valid": "mark a file “validation” in the Corpus panel",
    "source": "choose a source model in the Model & Transfer panel",
}


def gui_spelling(name: str, _value: str, imperative: bool) -> str:
    if imperative:
        return FIXES.get(name) or f"set {gui_spelling(name, '', False)}"
    thing, panel = NAMES.get(name, (f"the {name.replace('_', ' ')} setting", ""))
    return f"{thing} ({panel})" if panel else thing
