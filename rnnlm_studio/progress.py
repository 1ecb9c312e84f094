"""How the CLI shows a run: JSON lines for machines, a progress bar and a table for people."""
from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .core.events import AverageEvent, DoneEvent, ErrorEvent, EvalEvent, Event, LogEvent, StartEvent, StepEvent
from .core.formatting import columns, format_clock, format_mean_sd
from .core.metrics import CACHED, TASK_COLUMNS, eval_figures, format_task_metric, is_task_metrics, word_ppl_label
from .core.study_export import format_study_table
from .core.study_runner import CellEvent, RunFinishedEvent, StudyDoneEvent, StudyStartEvent


class JsonReporter:
    """One JSON object per line on stdout; an error also gets one plain line on stderr."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def run(self, events: Iterable[Event]) -> int:
        code = 1
        for event in events:
            self.out.write(event.to_json() + "\n")
            self.out.flush()
            if isinstance(event, ErrorEvent):
                print(f"error: {event.message}", file=sys.stderr)
                code = 1
            elif isinstance(event, DoneEvent):
                code = 0
        return code


class ConsoleReporter:
    """A one-line progress bar with ETA on stderr, evaluation lines, and a final table.

    The bar redraws itself with carriage returns, which only a terminal understands; written to a
    file or a pipe (`2> train.log`, a job scheduler's log) they would pile up as one endless line,
    so there the bar becomes a plain line at each tenth of the budget.
    """

    WIDTH = 30
    LOG_EVERY = 0.1  # share of the budget between progress lines when not on a terminal

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self._bar_shown = False
        isatty = getattr(self.out, "isatty", None)
        self.live = bool(isatty and isatty())
        self._logged = -1

    def run(self, events: Iterable[Event]) -> int:
        code = 1
        for event in events:
            code = self.show(event, code)
        return code

    def _end_bar(self) -> str:
        """A newline that ends the progress bar's line, if one is open (no blank line otherwise)."""
        shown, self._bar_shown = self._bar_shown, False
        return "\n" if shown else ""

    def show(self, event: Event, code: int) -> int:
        if isinstance(event, StartEvent):
            print(f"run {event.run_id}: {event.parameters:,} parameters ({event.trainable_parameters:,} trainable), "
                  f"{event.train_tokens:,} training tokens, {event.device} {event.precision}", file=self.out)
        elif isinstance(event, LogEvent):
            print(f"{event.level}: {event.message}", file=self.out)
        elif isinstance(event, AverageEvent):
            print(f"{self._end_bar()}info: {event.message}", file=self.out)
        elif isinstance(event, StepEvent):
            self._progress(event)
        elif isinstance(event, EvalEvent):
            mark = " *best*" if event.is_best else ""
            print(f"{self._end_bar()}{event.split} @ step {event.step}: loss {event.loss:.4f} {eval_figures(event)}"
                  f"{mark}", file=self.out)
        elif isinstance(event, ErrorEvent):
            self.out.write(self._end_bar())
            print(f"error: {event.message}", file=sys.stderr)
            return 1
        elif isinstance(event, DoneEvent):
            self.out.write(self._end_bar())
            print(done_table(event))
            return 0
        return code

    def _progress(self, event: StepEvent) -> None:
        filled = int(self.WIDTH * event.progress)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = (f"[{bar}] {event.progress:6.1%} step {event.step} loss {event.loss:.3f} lr {event.lr:.2e} "
                f"{event.tokens_per_s:,.0f} tok/s elapsed {format_clock(event.elapsed)} "
                f"eta {format_clock(event.eta)}")
        if self.live:
            self.out.write(f"\r{line} ")
            self._bar_shown = True
        else:
            tenth = int(event.progress / self.LOG_EVERY + 1e-9)
            if tenth == self._logged:
                return
            self._logged = tenth
            self.out.write(line + "\n")
        self.out.flush()


def done_table(event: DoneEvent) -> str:
    """The final figures (network alone); the neural cache's, when it was asked for, in columns of their own."""
    splits = [(split, getattr(event, split)) for split in ("valid", "test") if getattr(event, split)]
    if any(is_task_metrics(metrics) for _split, metrics in splits):
        return _finish_table(event, _task_rows(splits, event.baseline))
    cached = any(CACHED + "word_ppl" in metrics for _split, metrics in splits)
    rows = [("", "loss", "token ppl", word_ppl_label(event.word_unit), "bits/byte")
            + (("cached wppl", "cached bpb") if cached else ())]
    for split, metrics in splits:
        row = (split, f"{metrics['loss']:.4f}", f"{metrics['ppl']:.2f}", f"{metrics['word_ppl']:.2f}",
               f"{metrics['bpb']:.4f}")
        if cached:
            row += (f"{metrics.get(CACHED + 'word_ppl', math.nan):.2f}", f"{metrics.get(CACHED + 'bpb', math.nan):.4f}")
        rows.append(row)
    return _finish_table(event, ["  ".join(f"{cell:>11}" for cell in row) for row in rows] + gain_lines(event.baseline))


def _task_rows(splits: list[tuple[str, dict]], baseline: dict | None) -> list[str]:
    """A task run's table: loss, then its own metrics (accuracy, macro-F1, entity F1 for a BIO tagger)."""
    keys = [key for key in TASK_COLUMNS if any(key in metrics for _split, metrics in splits)]
    named = splits + [(f"baseline {split}", (baseline or {}).get(split) or {}) for split in ("valid", "test")]
    rows = [("", "loss", *(TASK_COLUMNS[key] for key in keys))]
    rows += [(split, f"{metrics['loss']:.4f}", *(format_task_metric(key, metrics.get(key, math.nan)) for key in keys))
             for split, metrics in named if metrics]
    lines = columns(rows, right=range(1, len(rows[0])))
    return lines + ([f"transfer gain: {baseline['message']}"] if baseline and baseline.get("message") else [])


def _finish_table(event: DoneEvent, table: list[str]) -> str:
    lines = [f"\n{event.reason}: {event.step} steps, {event.tokens_seen:,} tokens in {format_clock(event.elapsed)} "
             f"({event.tokens_per_s:,.0f} tokens/s)"]
    lines += table
    lines.append(f"run folder: {event.run_dir}")
    return "\n".join(lines)


def gain_lines(baseline: dict | None) -> list[str]:
    """The matched scratch baseline's figures and the transfer gain in bits saved, beside the word-ppl ratio."""
    if not baseline:
        return []
    lines = []
    for split in ("valid", "test"):
        metrics = baseline.get(split) or {}
        if metrics:
            lines.append(f"{'baseline ' + split:>11}  {metrics['loss']:>11.4f}  {metrics['ppl']:>11.2f}  "
                         f"{metrics['word_ppl']:>11.2f}  {metrics['bpb']:>11.4f}")
    if "message" not in baseline:  # a transfer run stopped before its first evaluation has no gain
        return lines
    return lines + [f"transfer gain (bits saved, 1 - bpb / baseline bpb): {baseline['message']}"]


class StudyReporter:
    """`study` (and `transfer-curve`): with `json_lines` every study event as a JSON line, ending with
    study_done; else a line per finished run on stderr (the study's progress and ETA), a line per
    finished cell on stdout, and the table at the end."""

    def __init__(self, json_lines: bool, out: TextIO | None = None) -> None:
        self.json_lines = json_lines
        self.out = out or sys.stdout
        self.done: StudyDoneEvent | None = None
        self.unfinished = 0

    def run(self, events: Iterable[Event]) -> int:
        """0 when every cell has all its repeats, else 1 (a resume finishes the rest)."""
        for event in events:
            if self.json_lines:
                self.out.write(event.to_json() + "\n")
                self.out.flush()
            else:
                self._show(event)
            if isinstance(event, StudyDoneEvent):
                self.done = event
            elif isinstance(event, RunFinishedEvent):
                self.unfinished = event.total - event.finished
        if self.done is None:
            return 1
        if self.unfinished:
            print(f"error: {self.unfinished} run(s) did not finish (see the messages above); train them with "
                  f"`rnnlm-studio study --resume {Path(self.done.study_dir).name}`", file=sys.stderr)
            return 1
        return 0

    def _show(self, event: Event) -> None:
        if isinstance(event, StudyStartEvent):
            axes = " x ".join(f"{name} ({len(values)})" for name, values in event.axes)
            print(f"study {event.name}: {axes} = {event.cells} cells, {event.runs} runs ({event.pending} to train, "
                  f"{event.jobs} at a time); folder {event.study_dir}", file=sys.stderr)
        elif isinstance(event, RunFinishedEvent):
            what = f"{event.bpb:.4f} bits/byte" if event.ok else f"failed: {event.message}"
            print(f"[{event.finished}/{event.total}] {event.role} {event.job}: {what}  eta {format_clock(event.eta)}",
                  file=sys.stderr)
        elif isinstance(event, CellEvent) and event.complete:
            cell = event.cell
            where = " ".join(f"{k}={v}" for k, v in cell["axes"].items())
            print(f"cell {where}: {format_mean_sd(cell['bpb_mean'], cell['bpb_sd'], 4)} bits/byte, baseline "
                  f"{cell['baseline_bpb_mean']:.4f}, gain {cell['gain_bits_mean']:+.3f} bits", file=self.out)
        elif isinstance(event, StudyDoneEvent):
            print(f"\n{format_study_table(event.cells)}\nstudy folder: {event.study_dir}", file=self.out)
