"""The Model & Transfer panel's source ranking: which source already reads the user's text best.

The scoring (core/sources.py) loads every source and reads a sample of the text, seconds per
source, so it runs in the background through the shared `LatestOnly` worker, only when the
training text or the tokenizer choice really changed and has stayed so for a moment, on a sample
small enough to leave the pool to the previews (the CLI's `sources` reads eight times as much;
sources as different as a word model of novels and a character model of plays rarely need it).
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGroupBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ..core.formatting import format_compact
from ..core.sources import Ranking, SourceScore, rank_sources
from .corpus_panel import CorpusPanel
from .i18n import N_, translator
from .workers import LatestOnly

tr = translator("SourceRanking")
SAMPLE_BYTES = 4_000
SETTLE_MS = 1500  # adding several files, or flipping the tokenizer choice, asks once
HEADERS = (N_("Source"), N_("Bits per byte"), N_("Word ppl"), N_("Vocabulary known"))
HELP = (N_("Each source reads the first 4 KB of your training text before any training (zero-shot, the network "
        "alone). Fewer bits per byte: the source already knows this kind of text, so transfer from it has "
        "more to give. Bits per byte compare across tokenizers; token perplexity would not."))
COVERAGE_HELP = (N_("With a new tokenizer: the share of its pieces the source has as they are, and (+) the share it "
                 "can build from its own pieces; the rest start from the mean embedding."))


class SourceRanking(QGroupBox):
    """A small table of the available sources, best first, for the corpus loaded now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Which source fits your text?"), parent)
        self.setToolTip(tr(HELP))
        self.ranking: Ranking | None = None
        self._asked: tuple[tuple[str, ...], bool] | None = None
        self._worker = LatestOnly(self)
        self._worker.done.connect(self._show)
        self._worker.failed.connect(self._failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._start)
        self.status = QLabel(tr("Add training text to rank the sources on it."))
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([tr(header) for header in HEADERS])
        self.table.horizontalHeaderItem(3).setToolTip(tr(COVERAGE_HELP))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table)

    def request(self, train_paths: list[str], new_tokenizer: bool) -> None:
        """Rank the sources on this text, unless this very question is already answered or asked."""
        asked = (tuple(train_paths), new_tokenizer)
        if asked == self._asked:
            return
        self._asked = asked
        if not train_paths:
            self._timer.stop()
            self.ranking = None
            self.table.setVisible(False)
            self.status.setText(tr("Add training text to rank the sources on it."))
            return
        self.status.setText(tr("Scoring a sample of your text under each source…"))
        self._timer.start()

    @property
    def busy(self) -> bool:
        """A ranking is waiting for the text to settle or being computed."""
        return self._timer.isActive() or self._worker.running

    def _start(self) -> None:
        if self._asked and self._asked[0]:
            self._worker.request(_rank, list(self._asked[0]), self._asked[1])

    def _show(self, ranking: Ranking) -> None:
        if not (self._asked and self._asked[0]):
            return  # the text was removed while it was being scored
        self.ranking = ranking
        self.table.setRowCount(0)
        for score in ranking.scores:
            self._add_row(score)
        self.table.setColumnHidden(3, all(score.copied is None for score in ranking.scores))
        self.table.setVisible(bool(ranking.scores))
        best = next((s for s in ranking.scores if not s.error), None)
        self.status.setText(tr("Zero-shot on {bytes:,} bytes of your text: <b>{name}</b> reads it "
                            "best.").format(bytes=ranking.sample_bytes, name=best.name) if best else
                            tr("No source model could score this text."))

    def _add_row(self, score: SourceScore) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        known = "–" if score.copied is None else f"{score.copied:.0%} + {score.composed:.0%}"
        cells = (score.name, _figure(score.bpb, "{:.3f}"), format_compact(score.word_ppl) if math.isfinite(score.word_ppl) else "–", known)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(score.error or tr("{origin} model: {path}").format(origin=score.origin, path=score.path))
            if col:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, col, item)

    def _failed(self, message: str) -> None:
        self.ranking, self._asked = None, None  # the same text may be asked again

        self.table.setVisible(False)
        self.status.setText(tr("The sources could not be ranked: {error}").format(error=message))


def follow_corpus(ranking: SourceRanking, corpus_panel: CorpusPanel) -> None:
    """Re-rank whenever the corpus panel's training text or tokenizer choice changes."""
    def changed() -> None:
        reuse = corpus_panel.reuse_radio.isChecked() and corpus_panel.reuse_radio.isEnabled()
        ranking.request([path for path, role in corpus_panel.entries() if role == "train"], not reuse)

    corpus_panel.changed.connect(changed)
    changed()


def _rank(train_paths: list[str], new_tokenizer: bool) -> Ranking:
    return rank_sources(train_paths, new_tokenizer=new_tokenizer, sample_bytes=SAMPLE_BYTES)


def _figure(value: float, form: str) -> str:
    return form.format(value) if math.isfinite(value) else "–"
