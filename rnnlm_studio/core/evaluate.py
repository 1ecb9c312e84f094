"""Evaluation of a language model on a text: the training run's validation and test figures, the
`eval` command and the GUI's model card numbers."""
from __future__ import annotations

import dataclasses

import torch

from . import paths
from .cache import NeuralCache
from .checkpoint import LoadedModel, load_model
from .config import TrainConfig
from .corpus import Corpus, TextSource
from .device import resolve_device
from .distributed import DistContext
from .metrics import summarize, with_cache
from .model import RNNLM
from .stream import TokenArray, encode_source, eval_batches
from .whitespace import WhitespaceFold

EVAL_BATCH = 16
EVAL_BPTT = 64
FINAL_EVAL_TOKENS = 2_000_000  # README "Bounds": the final evaluation scores at most this many tokens


@torch.inference_mode()
def evaluate(model: RNNLM, array: TokenArray, device: torch.device, precision: str,
             max_tokens: int | None = None, *, dist_ctx: DistContext | None = None) -> dict[str, float]:
    """Total-NLL metrics of a text; a partial pass scales words and bytes by the share evaluated.

    The figures are the network alone. A model scored with a neural cache (core/cache.py, off unless
    its config sets a window) also gets the cached figures as `cached_loss`, `cached_word_ppl`, ...:
    extra columns that never replace the network's, so they never pick the best checkpoint. A cap
    the text fits under is dropped, so that a periodic evaluation of the whole text lays it out
    exactly as the final one does: an undertrained LSTM's loss can swing by nats with the row layout.
    Under torchrun each rank scores its share of the rows and the sums are added up, so every rank
    gets the metrics one process would.
    """
    dist_ctx = dist_ctx or DistContext()
    model.eval()
    if max_tokens is not None and max_tokens >= len(array):
        max_tokens = None
    cache = NeuralCache(model.config.cache_window, model.config.cache_theta, model.config.cache_lambda)
    total, plain, count, hidden, memory = 0.0, 0.0, 0, None, None
    for x, y in eval_batches(array.ids, EVAL_BATCH, EVAL_BPTT, max_tokens, rank=dist_ctx.rank,
                             world_size=dist_ctx.world_size):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            features, hidden = model.encode(x, hidden)
            logits = model.project(features)
        nll, model_nll, memory = cache.nll(features, logits, y, memory)
        total += nll.sum().item()
        plain += model_nll.sum().item()
        count += y.numel()
    total, plain, count = dist_ctx.all_reduce_sum([total, plain, count], device)
    count = int(count)
    share = count / max(len(array) - 1, 1)
    words, n_bytes = round(array.n_words * share), round(array.n_bytes * share)
    metrics = summarize(plain, count, words, n_bytes)
    if cache.enabled:
        metrics.update(with_cache(summarize(total, count, words, n_bytes)))
    return metrics


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
    return dict(result, tokens=len(array), words=array.n_words, bytes=array.n_bytes + tally.bytes_saved,
                word_unit=array.word_unit)
