"""The `train` command's options, and a config's way back to them.

Both front doors use this: the CLI builds its `train` (and `transfer-curve`) parser from
`TRAIN_OPTIONS`, and the GUI hands a run to a child process (torchrun, or one chosen GPU) as the
argv `train_argv` builds, so a run the GUI starts is one a user could type.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import (AUTO_VOCAB, CELLS, FINE_TUNE_LR, MAPPINGS, MULTI_SOURCES, NEW_PIECES, OPTIMIZERS, PRECISIONS,
                     SCHEDULES, SCRATCH_LR, TOKENIZER_KINDS, TRANSFERS, ModelConfig, TrainConfig)
from .errors import StudioError

TRAIN_DEFAULTS = TrainConfig()
MODEL_DEFAULTS = ModelConfig()


def add_data_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data")
    g.add_argument("--train", nargs="+", metavar="PATH", help="training text: files or folders (.txt, .md, ...)")
    g.add_argument("--valid", metavar="PATH", help="validation text; if absent the training text is split")
    g.add_argument("--test", metavar="PATH", help="test text; if absent and no --valid, part of the split")
    g.add_argument("--split", default="0.9,0.05,0.05", help="train,valid,test fractions when splitting")
    g.add_argument("--split-seed", type=int, default=TRAIN_DEFAULTS.split_seed, help="seed of the split")
    g.add_argument("--tokenizer", choices=("auto", "source", "new"), default=TRAIN_DEFAULTS.tokenizer,
                   help="auto = the source's tokenizer when a source is given, else a new one")
    g.add_argument("--tokenizer-kind", choices=TOKENIZER_KINDS, default=TRAIN_DEFAULTS.tokenizer_kind,
                   help="SentencePiece model type for a new tokenizer")
    g.add_argument("--new-pieces", choices=NEW_PIECES, default=TRAIN_DEFAULTS.new_pieces,
                   help="with a source and --tokenizer new: how pieces the source lacks start (compose = the mean "
                        "of the source pieces their text splits into; mean = the mean row; random = fresh init)")
    g.add_argument("--vocab-size", type=int,
                   help="pieces in a new tokenizer (lowered, with a warning, if the text is too small); "
                        "default: 258 + 2 sqrt(training bytes), at most 4000 (see README)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--cell", choices=CELLS, default=MODEL_DEFAULTS.cell, help="recurrent cell")
    g.add_argument("--emb-size", type=int, default=MODEL_DEFAULTS.emb_size, help="embedding size")
    g.add_argument("--hidden-size", type=int, default=MODEL_DEFAULTS.hidden_size, help="hidden units per layer (with a source: above its size grows it wider)")
    g.add_argument("--layers", type=int, default=MODEL_DEFAULTS.layers, help="stacked recurrent layers")
    g.add_argument("--no-tie", action="store_true", help="do not tie the output layer to the embedding")
    for name in ("emb", "input", "hidden", "output"):
        g.add_argument(f"--dropout-{name}", type=float, default=getattr(MODEL_DEFAULTS, f"dropout_{name}"),
                       help=f"{name} dropout")
    add_cache_options(g)


def add_cache_options(g: Any) -> None:
    """Shared by `train` (the final scoring of a run) and `eval`, so both name and default the cache alike."""
    g.add_argument("--cache-window", type=int, default=MODEL_DEFAULTS.cache_window,
                   help="scoring: also report cached_* figures with a neural cache of this many positions "
                        "(0 = off); the headline figures are always the network alone")
    g.add_argument("--cache-theta", type=float, default=MODEL_DEFAULTS.cache_theta,
                   help="scoring: how sharply the cache matches hidden states")
    g.add_argument("--cache-lambda", type=float, default=MODEL_DEFAULTS.cache_lambda,
                   help="scoring: the cache's share of each prediction")


def add_transfer_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("transfer")
    g.add_argument("--source", metavar="MODEL", action="append",
                   help="source model: a model folder, run folder or bundled name; repeat it for several "
                        "sources (with --multi-source)")
    g.add_argument("--multi-source", choices=MULTI_SOURCES,
                   help="how several sources combine: average = their weights averaged (same architecture and "
                        "tokenizer); mixture = frozen encoders under a learned gate (--transfer feature); chain = "
                        "fine-tune the first on each later source's text in turn, then on yours")
    g.add_argument("--source-weights", metavar="W1,W2,...",
                   help="average: one weight per source, e.g. 0.7,0.3 (default: equal)")
    g.add_argument("--mapping", choices=MAPPINGS, default=TRAIN_DEFAULTS.mapping,
                   help="with --transfer parameter: keep the source frozen and train only a residual T that starts "
                        "at zero: embedding = T on the embedding matrix (d x d, or rank --rank); lowrank = B.A on "
                        "the recurrent and output weights")
    g.add_argument("--rank", type=int, help="rank of the mapping T (default: full d x d for embedding, "
                                            "8 for lowrank); below the mapped matrices' smaller side")
    g.add_argument("--transfer", choices=TRANSFERS, default=TRAIN_DEFAULTS.transfer,
                   help="what moves from the source (see README: transfer types)")
    g.add_argument("--transfer-layers", nargs="*", default=[], metavar="LAYER",
                   help="partial: layers to copy (embedding, rnn.0, rnn.1, ..., output)")
    g.add_argument("--freeze", nargs="*", default=[], metavar="LAYER", help="partial: layers kept fixed")
    g.add_argument("--feature-layer", type=int, metavar="N",
                   help="feature: read the source's recurrent layer rnn.N (0 = the lowest; default: the top one); "
                        "the layers above it are left out and a fresh output layer learns from it")
    g.add_argument("--unfreeze-every", type=int, default=TRAIN_DEFAULTS.unfreeze_every,
                   help="ulmfit: steps between unfreezing groups (0 = one group per epoch)")
    g.add_argument("--discriminative-factor", type=float, default=TRAIN_DEFAULTS.discriminative_factor,
                   help="ulmfit: each lower layer's LR is divided by this")
    g.add_argument("--baseline", action="store_true", help="also train a matched scratch run and link the two")


def add_optim_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=OPTIMIZERS, default=TRAIN_DEFAULTS.optimizer, help="optimiser")
    g.add_argument("--lr", type=float, help=f"peak learning rate (default: {SCRATCH_LR:g} from scratch, "
                                            f"{FINE_TUNE_LR:g} when weights move from a source)")
    g.add_argument("--weight-decay", type=float, default=TRAIN_DEFAULTS.weight_decay, help="weight decay")
    g.add_argument("--clip", type=float, default=TRAIN_DEFAULTS.clip, help="gradient-norm clipping (0 = off)")
    g.add_argument("--schedule", choices=SCHEDULES, default=TRAIN_DEFAULTS.schedule, help="LR schedule")
    g.add_argument("--warmup-steps", type=int, default=TRAIN_DEFAULTS.warmup_steps, help="linear warm-up steps")
    g.add_argument("--average-from", type=float, metavar="SHARE",
                   help="from this share of the budget on (e.g. 0.5), evaluate, checkpoint and keep the mean of the "
                        "weights after every step since, as AWD-LSTM's averaged SGD and SWA do; training goes on "
                        "from the weights themselves (default: off)")
    g.add_argument("--batch-size", type=int, default=TRAIN_DEFAULTS.batch_size, help="sequences per batch")
    g.add_argument("--bptt", type=int, default=TRAIN_DEFAULTS.bptt, help="tokens per sequence (BPTT length)")
    g.add_argument("--var-bptt", action="store_true", help="AWD-LSTM variable-length BPTT")


def add_budget_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("budget and evaluation",
                             "With no budget at all, one epoch is trained. The time budget counts training "
                             "steps, periodic evaluations and checkpoints; the final full evaluation on "
                             "valid/test comes after it and is reported as eval_seconds.")
    g.add_argument("--epochs", type=float, help="passes over the training text")
    g.add_argument("--max-steps", type=int, help="optimiser steps")
    g.add_argument("--time-budget", type=float, metavar="SECONDS", help="wall-clock seconds of training")
    g.add_argument("--eval-every", type=int, default=TRAIN_DEFAULTS.eval_every,
                   help="steps between evaluations (default: at 1/32, 1/16, 1/8, 1/4, 1/2 and 3/4 of the budget, "
                        "at its end, and at least every 500 steps)")
    g.add_argument("--eval-tokens", type=int, default=TRAIN_DEFAULTS.eval_tokens,
                   help="validation tokens used by periodic evaluations (the final one reads at most 2,000,000)")
    g.add_argument("--patience", type=int, default=TRAIN_DEFAULTS.patience,
                   help="stop after this many evaluations without improvement (0 = never)")


def add_run_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("run")
    g.add_argument("--seed", type=int, default=TRAIN_DEFAULTS.seed, help="random seed (CPU runs are deterministic)")
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default=TRAIN_DEFAULTS.device, help="device")
    g.add_argument("--precision", choices=PRECISIONS, default=TRAIN_DEFAULTS.precision,
                   help="auto = bf16 autocast where the CPU/GPU supports it")
    g.add_argument("--threads", type=int, default=TRAIN_DEFAULTS.threads, help="CPU threads (0 = all cores)")
    g.add_argument("--name", help="run name (default: from the data and transfer type)")
    g.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files to DIR/<run id>/ "
                                                         "while training (the run store stays the record)")
    g.add_argument("--resume", metavar="RUN", help="continue a stopped run (id, name or folder)")
    g.add_argument("--config", metavar="RUN.toml", help="start from a stored run's settings (the run.toml in its "
                                                         "folder, or the folder); options given here override them")
    g.add_argument("--output-dir", metavar="DIR", help="put the run's folder in DIR instead of the data folder "
                                                       "(the run store still lists it)")
    g.add_argument("--json", action="store_true", help="print one JSON event per line")


def add_distributed_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("scale out",
                             "`rnnlm-studio train` also runs unchanged under torchrun (one or more machines). "
                             "--batch-size is per process: N processes train on N x batch-size rows per step, "
                             "the same global batch as one process with N x batch-size. Only rank 0 prints and "
                             "writes the run.")
    g.add_argument("--nproc", type=int, default=1, metavar="N",
                   help="processes on this machine; N > 1 re-launches this command under torchrun "
                        "(one per GPU with CUDA, else gloo on the CPU cores)")


TRAIN_OPTIONS = (add_data_options, add_model_options, add_transfer_options, add_optim_options,
                 add_budget_options, add_run_options, add_distributed_options)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    try:
        split = tuple(float(x) for x in args.split.split(","))
    except ValueError:
        raise StudioError(f"--split {args.split!r} must be three comma-separated fractions, e.g. 0.9,0.05,0.05")
    if len(split) != 3:
        raise StudioError(f"--split {args.split!r} must have exactly three fractions")
    if args.vocab_size is not None and args.vocab_size <= 0:
        raise StudioError(f"--vocab-size must be a positive integer, got {args.vocab_size}; "
                          "leave it out for a size that follows the training text")
    vocab_size = AUTO_VOCAB if args.vocab_size is None else args.vocab_size
    model = ModelConfig(cell=args.cell, vocab_size=vocab_size, emb_size=args.emb_size,
                        hidden_size=args.hidden_size, layers=args.layers, tie_weights=not args.no_tie,
                        dropout_emb=args.dropout_emb, dropout_input=args.dropout_input,
                        dropout_hidden=args.dropout_hidden, dropout_output=args.dropout_output,
                        cache_window=args.cache_window, cache_theta=args.cache_theta,
                        cache_lambda=args.cache_lambda)
    names = {f.name for f in dataclasses.fields(TrainConfig)} - {"model", "split", "train", "source", "source_weights"}
    values = {name: getattr(args, name) for name in names if hasattr(args, name)}
    sources = list(getattr(args, "source", None) or [])
    config = TrainConfig(train=list(args.train or []), split=split, model=model, source=sources[0] if sources else None,
                         extra_sources=sources[1:], source_weights=_weights(getattr(args, "source_weights", None)),
                         **values)
    if getattr(args, "config", None):
        config = _over_stored(args, config)
    config.fill_budget()
    return config


def _weights(text: str | None) -> list[float]:
    """`--source-weights 0.7,0.3` as numbers (checked against the sources by TrainConfig.validate)."""
    if not text:
        return []
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise StudioError(f"--source-weights {text!r} must be comma-separated numbers, one per source, e.g. 0.7,0.3")


def _over_stored(args: argparse.Namespace, given: TrainConfig) -> TrainConfig:
    """`--config`: the stored run's settings, with the options typed on this command line laid over
    them. A budget typed here replaces the stored budget whole; the stored name is dropped, so the
    new run gets its own."""
    path = Path(args.config)
    path = path / "run.toml" if path.is_dir() else path
    if not path.is_file():
        raise StudioError(f"--config {args.config}: no such file; give a run's run.toml or its folder "
                          "(`rnnlm-studio runs` lists run folders)")
    config = TrainConfig.load(path)
    config.name = None
    typed = _typed_options(getattr(args, "argv", sys.argv[1:]))
    if typed & {"epochs", "max_steps", "time_budget"}:
        config.epochs = config.max_steps = config.time_budget = None
    model_fields = {f.name for f in dataclasses.fields(ModelConfig)}
    for dest in typed - {"config"}:
        if dest == "no_tie":
            config.model.tie_weights = given.model.tie_weights
        elif dest == "source":
            config.source, config.extra_sources = given.source, given.extra_sources
        elif dest in model_fields:
            setattr(config.model, dest, getattr(given.model, dest))
        elif hasattr(config, dest):
            setattr(config, dest, getattr(given, dest))
    return config


def _typed_options(argv: Sequence[str]) -> set[str]:
    """The destinations of the train options present in `argv` (not filled in by a default)."""
    parser = _train_parser()
    for action in parser._actions:
        action.default = argparse.SUPPRESS
    known, _ = parser.parse_known_args(list(argv))
    return set(vars(known))


def _train_parser() -> argparse.ArgumentParser:
    """A bare parser with every `train` option, to read an argv or write one."""
    parser = argparse.ArgumentParser(add_help=False)
    for add in TRAIN_OPTIONS:
        add(parser)
    return parser


def train_argv(config: TrainConfig) -> list[str]:
    """`train` options that `config_from_args` turns back into `config`: how the GUI hands a run to a
    child process (torchrun, or one chosen GPU). They are read off the parser's own options, so an
    option added there travels without a change here. Options about the launch rather than the run
    (--json, --resume, --nproc) are the caller's."""
    parser = _train_parser()
    values = _option_values(config)
    return [arg for action in parser._actions if action.dest in values
            for arg in _option_argv(action, values[action.dest])]


def _option_values(config: TrainConfig) -> dict[str, Any]:
    """The value each option's destination must parse to: `config_from_args` read backwards."""
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(TrainConfig) if f.name != "model"}
    values.update((f.name, getattr(config.model, f.name)) for f in dataclasses.fields(ModelConfig))
    values["split"] = ",".join(str(fraction) for fraction in config.split)
    values["no_tie"] = not config.model.tie_weights
    values["source"] = [config.source, *config.extra_sources] if config.source else None
    values["source_weights"] = ",".join(str(weight) for weight in config.source_weights) or None
    if config.model.vocab_size == AUTO_VOCAB:
        values["vocab_size"] = None  # left out: the child picks the same size from the same text
    return values


def _option_argv(action: argparse.Action, value: Any) -> list[str]:
    """`--flag=value` keeps a value that starts with a dash (a negative seed) from reading as an option;
    list items cannot be written that way, and none starts with one (layer names, the GUI's absolute paths)."""
    flag = action.option_strings[0]
    if action.nargs == 0:  # a switch: --var-bptt, --no-tie, --baseline
        return [flag] if value else []
    if value is None or value == []:
        return []
    if isinstance(action, argparse._AppendAction):  # --source A --source B
        return [f"{flag}={item}" for item in value]
    if isinstance(value, list):
        return [flag, *(str(item) for item in value)]
    return [f"{flag}={value}"]
