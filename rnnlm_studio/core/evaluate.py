"""Evaluate a saved model on a text: the `eval` command and the GUI's model card numbers."""
from __future__ import annotations

import dataclasses

import torch

from . import paths
from .checkpoint import LoadedModel, load_model
from .config import TrainConfig
from .corpus import Corpus, TextSource
from .stream import encode_source
from .trainer import evaluate, resolve_device
from .whitespace import WhitespaceFold


def evaluate_text(model_ref: str, text_paths: list[str], device: str = "auto",
                  cache: dict[str, float] | None = None, exact_whitespace: bool = False) -> dict[str, float]:
    """Token, word and byte perplexity of `text_paths` under the model, with its own tokenizer.

    The figures are the network alone, whatever cache the model was trained with: `cache` (the
    ModelConfig cache_* fields) asks for the neural cache's figures as extra `cached_*` columns.
    """
    corpus = Corpus.open(text_paths)
    dev, precision = resolve_device(TrainConfig(device=device))
    loaded = load_model(model_ref, dev)
    loaded.model.config = dataclasses.replace(loaded.model.config, **{"cache_window": 0, **(cache or {})})
    loaded.model.config.validate()
    return score_text(loaded, corpus, dev, precision, exact_whitespace=exact_whitespace)


def score_text(loaded: LoadedModel, text: TextSource, device: torch.device, precision: str, *,
               exact_whitespace: bool = False) -> dict[str, float]:
    """A model's figures on a whole text, with whitespace its tokenizer lacks folded into spaces and
    paid for in bits (core/whitespace.py) unless `exact_whitespace`; `bytes` are the text's own."""
    fold = WhitespaceFold("" if exact_whitespace else WhitespaceFold.unseen_by(loaded.tokenizer).chars)
    array = encode_source(loaded.tokenizer, fold.source(text), paths.cache_dir())
    with torch.inference_mode():
        result = evaluate(loaded.model, array, device, precision)
    tally = fold.tally(text)
    result = fold.charge(result, tally, array.n_words, array.n_bytes)
    return dict(result, tokens=len(array), words=array.n_words, bytes=array.n_bytes + tally.bytes_saved)
