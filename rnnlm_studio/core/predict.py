"""Using a trained task model: `rnnlm-studio predict`, the API's `predict` and the Playground's Classify box.

A task model is the checkpoint of a `--transfer task` run: a model folder (the encoder) with the
head's files beside it. A classifier labels each line; a tagger (core/tagging.py) tags each
whitespace token of each line. One line in, one prediction out, in the input's order; blank lines
carry nothing to label and are skipped.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from . import paths
from . import checkpoint as ckpt
from .classify import EVAL_BATCH, LABELS_FILE, LoadedClassifier, pad_batch
from .corpus import Corpus
from .errors import ModelFileError
from .formatting import columns
from .tagging import tag_lines
from .tasks import load_task
from .validation import require_regular_file


@dataclass
class Prediction:
    """One line's label and the probability of every label (a tagger's: each token's tag)."""

    text: str
    label: str | None  # None for a tagger, whose labels are per token
    probabilities: dict[str, float]
    tags: list[tuple[str, str, float]] = field(default_factory=list)  # tagger: (token, tag, probability)

    def to_dict(self) -> dict:
        if self.label is None:
            return {"text": self.text,
                    "tokens": [{"token": token, "tag": tag, "probability": p} for token, tag, p in self.tags]}
        return {"text": self.text, "label": self.label, "probabilities": self.probabilities}


def task_folder(ref: str | Path) -> Path:
    """The folder of a task model; a language model (no head) is refused with what to use instead."""
    folder = ckpt.resolve_model(ref)
    if not (folder / LABELS_FILE).is_file():
        raise ModelFileError(f"{ref} is a language model, not a classifier or tagger: predict needs the model of a "
                             "--transfer task run (its run id, name or folder); use generate or eval for a "
                             "language model")
    return folder


def is_task_model(folder: str | Path) -> bool:
    """Whether a resolved model folder holds a task head (the Playground shows its Classify box then)."""
    return (Path(folder) / LABELS_FILE).is_file()


def load_task_model(ref: str | Path, device: str = "cpu") -> LoadedClassifier:
    return load_task(task_folder(ref), device)


def read_lines(source: str) -> list[str]:
    """The lines to label: from a file (any encoding the corpus reader detects), or stdin for "-"."""
    if source == "-":
        lines = sys.stdin.read().splitlines()
    else:
        path = paths.user_path(source)
        require_regular_file(path, "give a text file with one input per line, or - for standard input")
        lines = list(Corpus.open([path]).iter_lines())
    return [line for line in lines if line.strip()]


@torch.inference_mode()
def predict(loaded: LoadedClassifier, texts: Sequence[str]) -> list[Prediction]:
    """Each text's label and probabilities (a tagger's: each word's tag), in the order given."""
    if loaded.kind != "classify":
        return [Prediction(text, None, {}, tags) for text, tags in zip(texts, tag_lines(loaded, texts))]
    ids = [loaded.tokenizer.encode_lines(text)[:loaded.max_tokens] or [loaded.tokenizer.eos_id] for text in texts]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    results: dict[int, Prediction] = {}
    device = next(loaded.model.parameters()).device
    for start in range(0, len(order), EVAL_BATCH):
        chunk = order[start:start + EVAL_BATCH]
        batch, lengths, _ = pad_batch([ids[i] for i in chunk], [0] * len(chunk))
        probabilities = torch.softmax(loaded.model(batch.to(device), lengths).float(), dim=-1).cpu()
        for row, i in enumerate(chunk):
            results[i] = _prediction(texts[i], loaded.labels, probabilities[row].tolist())
    return [results[i] for i in range(len(texts))]


def _prediction(text: str, labels: list[str], probabilities: list[float]) -> Prediction:
    ranked = dict(sorted(zip(labels, probabilities), key=lambda pair: -pair[1]))
    return Prediction(text, next(iter(ranked)), ranked)


def format_predictions(predictions: Iterable[Prediction]) -> str:
    """One aligned line per input: label, its probability, the text; a tagger's: each token/TAG."""
    predictions = list(predictions)
    if predictions and predictions[0].label is None:
        return "\n".join(" ".join(f"{token}/{tag}" for token, tag, _ in p.tags) for p in predictions)
    rows = [(p.label, f"{p.probabilities[p.label]:.1%}", p.text) for p in predictions]
    return "\n".join(line.rstrip() for line in columns(rows, right=(1,))) if rows else ""


def predictions_json(predictions: Iterable[Prediction]) -> str:
    return "\n".join(json.dumps(p.to_dict(), ensure_ascii=False) for p in predictions)
