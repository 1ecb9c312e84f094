"""`rnnlm-studio`: the command-line front door (a contract: tests and benchmarks call it).

Headless commands never import Qt; only the GUI command (no arguments) loads `gui/`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from . import __version__
from .core import validation
from .core.config import AUTO_VOCAB, PRECISIONS, TOKENIZER_KINDS, TrainConfig
from .core.errors import StudioError, set_spelling
from .core.events import DoneEvent, Event
from .core.interrupt import calling_on_start, stop_on_signals
from .core.sampling_options import STOP_AT, SamplingOptions
from .core.train_options import (TRAIN_DEFAULTS, TRAIN_OPTIONS, add_budget_options, add_cache_options,
                                 add_data_options, add_model_options, add_optim_options, add_run_options,
                                 add_transfer_options, config_from_args)
from .gui.wording import WORDING_ENV, gui_spelling

SAMPLING_DEFAULTS = SamplingOptions()


class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Every option's help shows its default."""


class Parser(argparse.ArgumentParser):
    """A usage mistake is one `error:` line, like every other refusal (argparse prints the usage too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _budget_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in ("epochs", "max_steps", "time_budget") if getattr(args, k) is not None}


def _check_scale_out(args: argparse.Namespace, config: TrainConfig, distributed: bool) -> None:
    """Refuse what cannot run in several processes before torchrun starts any (one error line, not N)."""
    if args.nproc < 1:
        raise StudioError(f"--nproc must be at least 1, got {args.nproc}")
    if distributed and args.baseline and not args.resume:
        raise StudioError("--baseline trains its two runs in one process: drop --nproc (or torchrun)")
    if distributed and config.multi_source == "chain" and not args.resume:
        raise StudioError("--multi-source chain trains its stages one after another in one process: "
                          "drop --nproc (or torchrun)")
    if args.nproc > 1 and not args.resume:
        config.validate()


def _worker_argv(argv: Sequence[str]) -> list[str]:
    """The command torchrun's workers run: this one without --nproc, which torchrun's own parser would
    take for an abbreviation of its --nproc-per-node (the workers need no launcher option anyway)."""
    kept: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--nproc":
            next(args, None)  # its value
        elif not arg.startswith("--nproc="):
            kept.append(arg)
    return kept


def _exit_code(events: Iterable[Event]) -> int:
    """A torchrun rank other than 0: rank 0 reports the same run, so only the exit status is kept."""
    return 0 if [event for event in events if isinstance(event, DoneEvent)] else 1


def cmd_train(args: argparse.Namespace) -> int:
    from .core import distributed
    from .core.trainer import TrainControl, train
    from .progress import ConsoleReporter, JsonReporter

    config = config_from_args(args)
    worker = distributed.under_torchrun()
    _check_scale_out(args, config, worker or args.nproc > 1)
    if args.nproc > 1 and not worker:
        return distributed.launch_torchrun(args.nproc, _worker_argv(args.argv))
    dist_ctx = distributed.init_from_env()
    control = TrainControl()
    events = None
    try:
        if args.baseline and not args.resume:
            from .core.baseline import train_with_baseline

            events = train_with_baseline(config, control)
        else:
            events = train(config, control, resume=args.resume, overrides=_budget_overrides(args),
                           dist_ctx=dist_ctx)
        with stop_on_signals(control) as started:
            watched = calling_on_start(events, started)  # on every rank: torchrun passes SIGTERM to all
            if not dist_ctx.is_main:
                return _exit_code(watched)
            return (JsonReporter() if args.json else ConsoleReporter()).run(watched)
    finally:
        if events is not None:
            events.close()  # the run and its DDP wrapper go before the process group they use
        del events
        distributed.shutdown()


def cmd_eval(args: argparse.Namespace) -> int:
    from .core.evaluate import evaluate_text

    cache = {name: getattr(args, name) for name in ("cache_window", "cache_theta", "cache_lambda")}
    result = evaluate_text(args.model, args.text, device=args.device, cache=cache,
                           exact_whitespace=args.exact_whitespace)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>15}  {value:.4f}" if isinstance(value, float) else f"{key:>15}  {value}")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from .core.sources import format_ranking, rank_sources

    new = args.tokenizer == "new"
    vocab_size = AUTO_VOCAB if args.vocab_size is None else args.vocab_size
    ranking = rank_sources(args.text, new_tokenizer=new, kind=args.tokenizer_kind, vocab_size=vocab_size,
                           sample_bytes=args.sample_bytes, device=args.device)
    print(json.dumps(ranking.to_dict()) if args.json else format_ranking(ranking, new))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .core.checkpoint import install_model, list_models
    from .core.formatting import pad

    if args.install:
        target = install_model(args.install, args.name)
        print(f"installed {target.name} into {target.parent}")
        return 0
    models = list_models()
    if args.json:
        print(json.dumps([{"name": m.name, "origin": m.origin, "path": str(m.path), "card": m.card,
                           "parameters": m.config.get("parameters"), "metrics": m.config.get("metrics")}
                          for m in models]))
        return 0
    if not models:
        print("no models yet: train one with `rnnlm-studio train`, or install a folder with "
              "`rnnlm-studio models --install FOLDER`")
    for m in models:
        first = next((line for line in m.card.splitlines() if line and not line.startswith("#")), "")
        print(f"{pad(m.name, 20)} {m.origin:<10} {first}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .core.checkpoint import load_model
    from .core.decoding import use_fast_decoding
    from .core.sampling import beam_search, generate

    options = SamplingOptions(max_tokens=args.max_tokens, temperature=args.temperature, top_k=args.top_k,
                              top_p=args.top_p, repetition_penalty=args.repetition_penalty, stop_at=args.stop_at,
                              seed=args.seed)
    options.validate()
    validation.check_beam(args.beam, args.max_tokens)
    loaded = load_model(args.model)
    use_fast_decoding(loaded.model)
    sys.stdout.write(args.prompt)
    if args.beam:
        sys.stdout.write(beam_search(loaded, args.prompt, beam_width=args.beam, max_tokens=args.max_tokens,
                                     stop_at=args.stop_at))
    else:
        for piece in generate(loaded, args.prompt, options):
            sys.stdout.write(piece)
            sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    from .core.checkpoint import load_model
    from .core.autocomplete import Autocompleter

    loaded = load_model(args.model)
    result = Autocompleter(loaded.model, loaded.tokenizer).suggest(args.prompt, args.k, phrase_words=args.phrase)
    if args.json:
        print(json.dumps({"suggestions": [{"text": w.text, "word": w.word, "probability": w.probability}
                                          for w in result.words], "phrase": result.phrase}))
        return 0
    for w in result.words:
        print(f"{w.probability:7.2%}  {w.word}")
    if result.phrase:
        print(f"ghost text: {args.prompt}{result.phrase}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .core.predict import format_predictions, load_task_model, predict, predictions_json, read_lines

    loaded = load_task_model(args.model)  # before the text: a wrong model is refused without waiting on stdin
    predictions = predict(loaded, read_lines(args.text))
    output = predictions_json(predictions) if args.json else format_predictions(predictions)
    if output:
        print(output)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .core.checkpoint import export_model
    from .core.validation import require_regular_file

    if args.card:
        require_regular_file(Path(args.card), "give a Markdown file for --card")
    card = Path(args.card).read_text(encoding="utf-8") if args.card else None
    target = export_model(args.model, Path(args.to), card=card, half=args.fp16)
    print(f"exported {args.model} to {target}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    if (args.like is None) == (args.vocab is None):
        raise StudioError("import needs one of --like MODEL (an RNNLM Studio state dict) or --vocab WORDS.txt "
                          "(a PyTorch word_language_model checkpoint and its word list)")
    if args.vocab:
        from .core.import_classic import import_classic

        target = import_classic(Path(args.file), Path(args.vocab), Path(args.to))
    else:
        from .core.checkpoint import import_state_dict

        target = import_state_dict(Path(args.file), args.like, Path(args.to))
    print(f"imported {args.file} into {target}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from .core.formatting import pad
    from .core.metrics import is_task_metrics
    from .core.runs import RunStore

    if args.lineage is not None:
        return _print_lineage(args.lineage, args.json)
    records = RunStore().list()
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "status": r.status, "transfer": r.transfer,
                           "source": r.source, "run_dir": str(r.run_dir), "best": r.best, "final": r.final,
                           "baseline_id": r.baseline_id} for r in records]))
        return 0
    if not records:
        print("no runs yet: start one with `rnnlm-studio train --train FILE`")
    for r in records:
        if is_task_metrics(r.best):
            print(f"{pad(r.id, 48)} {r.status:<9} {r.transfer:<10} accuracy {r.best['accuracy']:9.1%}")
            continue
        ppl = r.best.get("word_ppl")
        shown = f"{ppl:10.2f}" if isinstance(ppl, (int, float)) else f"{'-':>10}"
        print(f"{pad(r.id, 48)} {r.status:<9} {r.transfer:<10} word ppl {shown}")
    return 0


def _print_lineage(ref: str, as_json: bool) -> int:
    from .core.lineage import format_tree, lineage

    found = lineage(ref)
    print(json.dumps(found.to_dict()) if as_json else format_tree(found))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .core.compare import compare_runs, format_table, lead_metric, rows_to_json
    from .core.runs import RunStore

    rows, curves, notes = compare_runs(RunStore(), args.runs)
    if args.json:
        print(json.dumps({"runs": rows_to_json(rows), "notes": notes, "lead": lead_metric(rows)}))
    else:
        print(format_table(rows))
        for note in notes:
            print(f"note: {note}")
    if args.plot:
        from .plot_file import plot_series

        if curves and all(c.accuracy for c in curves):  # task runs: no perplexity to draw
            plot_series([(c.name, c.tokens, c.accuracy) for c in curves], args.plot,
                        title="Validation accuracy", x_label="tokens seen", y_label="accuracy", log_y=False)
        else:
            plot_series([(c.name, c.tokens, c.word_ppl) for c in curves], args.plot,
                        title="Validation word perplexity", x_label="tokens seen", y_label="word perplexity")
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


def _run_study(study: Any, json_lines: bool, plot: bool = False) -> tuple[int, Any]:
    """Run a study to its end, Ctrl-C (or SIGTERM) stopping it as the Studies panel's Stop does, then
    write its CSV and Markdown report (and, with `plot`, its plots) into the study folder."""
    from pathlib import Path

    from .core.study_export import study_csv, study_markdown
    from .progress import StudyReporter

    reporter = StudyReporter(json_lines)
    with stop_on_signals(study.control) as started:
        started()
        code = reporter.run(study.events())
    done = reporter.done
    if done is not None:
        folder = Path(done.study_dir)
        (folder / "results.csv").write_text(study_csv(done.cells), encoding="utf-8")
        plots = []
        if plot:
            from .plot_file import study_plot_files

            plots = [p.name for p in study_plot_files(done.cells, folder)]
        (folder / "report.md").write_text(study_markdown(folder.name, study.spec.to_dict(), done.cells, plots),
                                          encoding="utf-8")
        if not json_lines:
            print(f"results: {folder / 'results.csv'}, {folder / 'report.md'}"
                  + (f", {len(plots)} plot files" if plots else ""), file=sys.stderr)
    return code, done


def cmd_study(args: argparse.Namespace) -> int:
    from .core.study import StudySpec, default_study_name, parse_axis
    from .core.study_runner import StudyControl, resume_study, start_study

    control = StudyControl()
    if args.resume:
        study = resume_study(args.resume, control, jobs=args.jobs)
    else:
        if not args.train:
            raise StudioError("study needs the training text: pass --train FILE (or --resume NAME to continue one)")
        if not args.axis:
            raise StudioError("study needs at least one axis: pass --axis NAME=V1,V2 (e.g. --axis fraction=0.1,1)")
        config = config_from_args(args)
        config.name, config.baseline = None, False
        spec = StudySpec(name=args.name or default_study_name(), base=config.to_dict(),
                         axes=[parse_axis(text) for text in args.axis], repeats=args.repeats, jobs=args.jobs or 1,
                         backend=args.backend, address=args.address)
        study = start_study(spec, control)
    return _run_study(study, args.json, args.plot)[0]


def cmd_transfer_curve(args: argparse.Namespace) -> int:
    from .core.fractions import parse_fractions
    from .core.study_runner import start_study
    from .core.transfer_curve import curve_points, curve_spec, format_curve

    config = config_from_args(args)
    if args.transfer == "scratch":
        config.transfer = "parameter"
    code, done = _run_study(start_study(curve_spec(config, parse_fractions(args.fractions), args.name)), args.json)
    points = curve_points(done.cells) if done else []
    if args.json:
        print(json.dumps({"event": "curve", "transfer": config.transfer,
                          "points": [dict(dataclasses.asdict(p), gain=p.gain) for p in points]}))
    else:
        print(format_curve(points, config.transfer))
    if args.plot and points:
        from .plot_file import plot_series

        xs = [p.train_bytes for p in points]
        plot_series([("scratch", xs, [p.scratch_bpb for p in points]),
                     (config.transfer, xs, [p.transfer_bpb for p in points])], args.plot,
                    title="Data efficiency", x_label="target training bytes", y_label="bits per byte",
                    log_x=True, log_y=False)
    return code


def cmd_export_tb(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .core.tensorboard import export_runs

    for folder in export_runs(args.runs, Path(args.logdir)):
        print(f"wrote {folder}")
    print(f"view them with: tensorboard --logdir {args.logdir}", file=sys.stderr)
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from .gui.app import run_gui

    return run_gui([sys.argv[0]])


def cmd_self_test(args: argparse.Namespace) -> int:
    from .selftest import run_self_test

    return run_self_test()


def add_study_options(p: argparse.ArgumentParser) -> None:
    from .core.study import AXES, BACKENDS

    g = p.add_argument_group("study")
    g.add_argument("--axis", action="append", metavar="NAME=V1,V2,...",
                   help=f"an axis of the grid (once or twice): {', '.join(AXES)}; layers of one value join with "
                        "'+' (freeze=none,embedding+rnn.0)")
    g.add_argument("--repeats", type=int, default=1, help="runs per cell, seeds --seed, --seed+1, ...")
    g.add_argument("--jobs", type=int, help="runs at once, one process each, the CPU threads divided between "
                                            "them (default 1)")
    g.add_argument("--backend", choices=BACKENDS, default="local",
                   help="ray: each run a Ray task (pip install 'rnnlm-studio[ray]')")
    g.add_argument("--address", metavar="ADDR", help="the Ray cluster to join (default: start a local one)")
    g.add_argument("--name", help="the study's name (default: study-DATE-TIME)")
    g.add_argument("--resume", metavar="NAME", help="continue a study: train only its unfinished runs")
    g.add_argument("--plot", action="store_true", help="also draw the study's plots (PNG and SVG) into its folder")
    g.add_argument("--seed", type=int, default=TRAIN_DEFAULTS.seed, help="the first repeat's seed")
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default=TRAIN_DEFAULTS.device, help="device")
    g.add_argument("--precision", choices=PRECISIONS, default=TRAIN_DEFAULTS.precision,
                   help="auto = bf16 autocast where the CPU/GPU supports it")
    g.add_argument("--threads", type=int, default=TRAIN_DEFAULTS.threads,
                   help="CPU threads per run (0 = this machine's cores divided by --jobs)")
    g.add_argument("--json", action="store_true", help="print one JSON event per line")


def _model_command(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command whose first argument is a model, named the way every such command names it."""
    p = sub.add_parser(name, help=help_text, formatter_class=Formatter)
    p.add_argument("model", help="model folder, run folder, run id or name, or bundled model name")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="rnnlm-studio", formatter_class=Formatter,
                                     description="Train recurrent language models and transfer between them. "
                                                 "With no command, opens the desktop app.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="open the app offscreen, train a tiny model for 20 steps on the sample corpus, "
                             "generate from it and exit (0 = the installation works)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the desktop app", formatter_class=Formatter)
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("train", help="train one run", formatter_class=Formatter,
                       description="Train (or resume) one run. The last --json line is the done event.")
    for add in TRAIN_OPTIONS:
        add(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("transfer-curve", help="scratch vs transfer at several fractions of the target data",
                       formatter_class=Formatter,
                       description="Trains a scratch and a transfer run at each fraction of the training text "
                                   "(same validation text, same budget) and reports word perplexity against "
                                   "target-data size. --transfer defaults to parameter.")
    for add in (add_data_options, add_model_options, add_transfer_options, add_optim_options,
                add_budget_options, add_run_options):
        add(p)
    p.add_argument("--fractions", default="0.01,0.1,1.0", help="fractions of the training text")
    p.add_argument("--plot", metavar="FILE.png", help="draw word perplexity against target-data size")
    p.set_defaults(func=cmd_transfer_curve)

    p = sub.add_parser("study", help="a grid of transfer runs, each with a matched scratch baseline",
                       formatter_class=Formatter,
                       description="Trains every cell of a grid over one or two axes (--axis NAME=V1,V2,...), "
                                   "each repeated over seeds and paired with a matched scratch baseline (same "
                                   "architecture, tokenizer, data and budget), and reports bits per byte (of "
                                   "--test, else of --valid), the gain in bits saved and word perplexity as mean "
                                   "± sd. Each run is an ordinary run in the store; the study folder (under the "
                                   "data folder's studies/) holds the grid, its runs and results.csv/report.md. "
                                   "--json prints one event per line and ends with a study_done line.")
    for add in (add_data_options, add_model_options, add_transfer_options, add_optim_options, add_budget_options):
        add(p)
    add_study_options(p)
    p.set_defaults(func=cmd_study)

    p = _model_command(sub, "eval", "evaluate a model on a text")
    p.add_argument("--text", required=True, nargs="+", help="text file(s) or folder(s)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="device")
    add_cache_options(p)
    p.add_argument("--exact-whitespace", action="store_true",
                   help="score whitespace the model's tokenizer has no piece for (a tab, say) as it is, in byte "
                        "pieces; by default it is read as a space and which one it was costs its own bits")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_eval)

    p = _model_command(sub, "generate", "continue a prompt (streamed)")
    p.add_argument("--prompt", required=True, help="text to continue")
    d = SAMPLING_DEFAULTS
    p.add_argument("--max-tokens", type=int, default=d.max_tokens,
                   help=f"tokens to generate (at most {validation.RULES['max_tokens'].high:,.0f}, printed as they "
                        f"come; with --beam at most {validation.BEAM_MAX_TOKENS:,}, printed at the end)")
    p.add_argument("--temperature", type=float, default=d.temperature, help="sampling temperature (0 = greedy)")
    p.add_argument("--top-k", type=int, default=d.top_k, help="sample among the k most probable tokens (0 = off)")
    p.add_argument("--top-p", type=float, default=d.top_p, help="nucleus: smallest set reaching this mass (1 = off)")
    p.add_argument("--repetition-penalty", type=float, default=d.repetition_penalty,
                   help="penalise tokens already in the text")
    p.add_argument("--stop-at", choices=STOP_AT, help="stop at the end of a line or sentence")
    p.add_argument("--beam", type=int, default=0,
                   help=f"beam search of this width instead of sampling (0 = off, at most "
                        f"{validation.RULES['beam'].high:.0f})")
    p.add_argument("--seed", type=int, help="random seed (same seed, same text)")
    p.set_defaults(func=cmd_generate)

    p = _model_command(sub, "complete", "the most probable next words")
    p.add_argument("--prompt", required=True, help="text typed so far (a half-typed word is completed)")
    p.add_argument("-k", type=int, default=5, help="how many words to suggest")
    p.add_argument("--phrase", type=int, default=3, help="words of ghost-text phrase completion (0 = none)")
    p.add_argument("--json", action="store_true", help='print {"suggestions": [{"text", "probability"}, ...]}')
    p.set_defaults(func=cmd_complete)

    p = _model_command(sub, "predict", "label each line of a text with a task model (classifier or tagger)")
    p.add_argument("--text", required=True, metavar="FILE|-", help="one input per line; - reads standard input "
                                                                   "(blank lines are skipped)")
    p.add_argument("--json", action="store_true",
                   help='one object a line: {"text": ..., "label": ..., "probabilities": {label: p}}')
    p.set_defaults(func=cmd_predict)

    p = _model_command(sub, "export", "copy a model or run checkpoint to a standalone model folder")
    p.add_argument("--to", required=True, metavar="FOLDER", help="the model folder to write")
    p.add_argument("--card", metavar="FILE.md", help="the card (README.md) to ship with it; YAML metadata is "
                                                     "added unless it has its own (default: generated)")
    p.add_argument("--fp16", action="store_true", help="store weights as fp16 (half the size)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="turn a PyTorch state-dict file into a model folder", formatter_class=Formatter,
                       description="Reads FILE with torch.load(weights_only=True): tensors only, never code. "
                                   "With --like, FILE is an RNNLM Studio model's state dict; with --vocab, a model "
                                   "of PyTorch's word_language_model example (LSTM, GRU or RNN), whose words "
                                   "become a SentencePiece word tokenizer.")
    p.add_argument("file", help="a .pt/.pth file holding a state dict")
    p.add_argument("--like", metavar="MODEL", help="model whose architecture and tokenizer it has")
    p.add_argument("--vocab", metavar="WORDS.txt", help="word_language_model: its vocabulary, one word per line in "
                                                        "index order ('\\n'.join(corpus.dictionary.idx2word))")
    p.add_argument("--to", required=True, metavar="FOLDER", help="the model folder to write")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("sources", help="rank the available source models for a target text",
                       formatter_class=Formatter,
                       description="Scores the head of the text under every bundled and installed source model "
                                   "(zero-shot bits per byte, the network alone) and ranks them, fewest bits first.")
    p.add_argument("--text", required=True, nargs="+", help="the target text: file(s) or folder(s)")
    p.add_argument("--tokenizer", choices=("source", "new"), default="source",
                   help="new: also report how much of a new tokenizer's vocabulary each source covers")
    p.add_argument("--tokenizer-kind", choices=TOKENIZER_KINDS, default=TRAIN_DEFAULTS.tokenizer_kind,
                   help="the new tokenizer's SentencePiece model type")
    p.add_argument("--vocab-size", type=int, help="the new tokenizer's pieces (default: as `train` picks them)")
    p.add_argument("--sample-bytes", type=int, default=32_000, help="bytes of the text each source reads")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="device")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("models", help="list bundled and installed source models", formatter_class=Formatter)
    p.add_argument("--install", metavar="FOLDER", help="copy a model folder into the data folder")
    p.add_argument("--name", help="name for --install (default: the folder's name)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("runs", help="list runs in the run store", formatter_class=Formatter)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--lineage", metavar="RUN", help="instead of the list, where RUN (or a model: folder or name) "
                                                    "came from: its sources and theirs, oldest first, as a tree")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("compare", help="compare runs: table, transfer gain, plot", formatter_class=Formatter)
    p.add_argument("runs", nargs="+", metavar="RUN", help="run ids, names or folders")
    p.add_argument("--plot", metavar="FILE.png", help="draw validation word perplexity against tokens seen")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("export-tb", help="write stored runs' metrics as TensorBoard event files",
                       formatter_class=Formatter,
                       description="One folder per run under --logdir (named after its id), from the run's "
                                   "metrics.jsonl: training loss, lr, grad norm, tokens/s, and each evaluation's "
                                   "loss, ppl, word_ppl, bpb. Viewing needs `pip install tensorboard`.")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run ids, names or folders")
    p.add_argument("--logdir", required=True, metavar="DIR", help="TensorBoard log folder")
    p.set_defaults(func=cmd_export_tb)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Settings named in error messages as options, unless this is the window's training child.
    set_spelling(gui_spelling if os.environ.get(WORDING_ENV) == "gui" else validation.cli_spelling)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # `train --nproc` re-launches the same command
    if args.self_test:
        if args.command is not None:
            parser.error("--self-test runs on its own, without a command")
        args.func = cmd_self_test
    elif args.command is None:
        args.func = cmd_gui
    try:
        validation.check_values(vars(args))  # every numeric option, before anything is opened or allocated
        return args.func(args)
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the command had to read or write: one line, never a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}; check the path, its permissions and the free disk space",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
