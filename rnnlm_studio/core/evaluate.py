"""Evaluate a saved model on a text: the `eval` command and the GUI's model card numbers."""
from __future__ import annotations

import dataclasses

import torch

from . import paths
from .checkpoint import load_model
from .config import TrainConfig
from .corpus import Corpus
from .stream import encode_source
from .trainer import evaluate, resolve_device


def evaluate_text(model_ref: str, text_paths: list[str], device: str = "auto",
                  cache: dict[str, float] | None = None) -> dict[str, float]:
    """Token, word and byte perplexity of `text_paths` under the model, with its own tokenizer.

    The figures are the network alone, whatever cache the model was trained with: `cache` (the
    ModelConfig cache_* fields) asks for the neural cache's figures as extra `cached_*` columns.
    """
    corpus = Corpus.open(text_paths)
    dev, precision = resolve_device(TrainConfig(device=device))
    loaded = load_model(model_ref, dev)
    loaded.model.config = dataclasses.replace(loaded.model.config, **{"cache_window": 0, **(cache or {})})
    loaded.model.config.validate()
    array = encode_source(loaded.tokenizer, corpus, paths.cache_dir())
    with torch.inference_mode():
        result = evaluate(loaded.model, array, dev, precision)
    return dict(result, tokens=len(array), words=array.n_words, bytes=array.n_bytes)
