"""Evaluate a saved model on a text: the `eval` command and the GUI's model card numbers."""
from __future__ import annotations

import torch

from . import paths
from .checkpoint import load_model
from .config import TrainConfig
from .corpus import Corpus
from .stream import encode_source
from .trainer import evaluate, resolve_device


def evaluate_text(model_ref: str, text_paths: list[str], device: str = "auto") -> dict[str, float | str]:
    """Token, word and byte perplexity of `text_paths` under the model, with its own tokenizer."""
    corpus = Corpus.open(text_paths)
    dev, precision = resolve_device(TrainConfig(device=device))
    loaded = load_model(model_ref, dev)
    array = encode_source(loaded.tokenizer, corpus, paths.cache_dir())
    with torch.inference_mode():
        result = evaluate(loaded.model, array, dev, precision)
    return dict(result, tokens=len(array), words=array.n_words, bytes=array.n_bytes, word_unit=array.word_unit)
