"""The Corpus panel: adding text by dialog path and by drag and drop, roles, split, tokenizer preview."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton

from rnnlm_studio.core import paths
from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.dataset import open_sources
from rnnlm_studio.core.tokenizer import WORD_START, auto_vocab_size
from rnnlm_studio.gui.corpus_panel import CorpusPanel, preview_html


@pytest.fixture
def panel(qtbot) -> CorpusPanel:
    widget = CorpusPanel()
    qtbot.addWidget(widget)
    widget.resize(520, 800)
    widget.show()
    return widget


def wait_stats(qtbot, panel: CorpusPanel, row: int = 0) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: panel.table.item(row, 3) is not None and panel.table.item(row, 3).text() != "…",
                    timeout=10_000)


def test_added_file_is_listed_with_statistics_and_previewed(panel: CorpusPanel, qtbot,
                                                            shakespeare_small: dict[str, Path]) -> None:
    path = shakespeare_small["train"]
    assert panel.empty_label.isVisible()
    panel.vocab_spin.setValue(300)
    panel.add_paths([path])
    wait_stats(qtbot, panel)
    text = path.read_text(encoding="utf-8")
    assert panel.table.item(0, 0).text() == "train.txt"
    assert panel.table.item(0, 3).text() == f"{len(text.splitlines()):,}"
    assert panel.table.item(0, 4).text() == f"{len(text.split()):,}"
    assert panel.table.item(0, 5).text() == "utf-8"
    assert not panel.empty_label.isVisible()
    qtbot.waitUntil(lambda: panel.preview is not None, timeout=60_000)
    pieces = panel.preview.lines
    first_line = text.splitlines()[0]
    assert "".join(pieces[0]).replace(WORD_START, " ").strip() == first_line.strip()
    assert panel.preview.vocab_size >= 300 and 0.5 < panel.preview.chars_per_token < 10
    assert "background:#dbeafe" in panel.preview_view.toHtml() or "#dbeafe" in panel.preview_view.toHtml()


def test_preview_follows_tokenizer_settings(panel: CorpusPanel, qtbot, shakespeare_small) -> None:
    panel.vocab_spin.setValue(300)
    panel.add_paths([shakespeare_small["train"]])
    qtbot.waitUntil(lambda: panel.preview is not None and panel.preview.kind == "unigram", timeout=60_000)
    with qtbot.waitSignal(panel.estimated, timeout=60_000):
        panel.kind_box.setCurrentText("char")
    qtbot.waitUntil(lambda: panel.preview.kind == "char", timeout=60_000)
    assert all(len(piece.replace(WORD_START, "")) <= 1 or re.fullmatch(r"<0x[0-9A-F]{2}>", piece)
               for piece in panel.preview.lines[0]), "char pieces are single characters or byte fallbacks"


def test_drag_and_drop_of_a_file_url_adds_it(panel: CorpusPanel, qtbot, shakespeare_small) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(shakespeare_small["valid"]))])
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(QPointF(10, 10), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), actions, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, drop)
    assert panel.entries() == [(str(shakespeare_small["valid"].resolve()), "train")]
    wait_stats(qtbot, panel)


def test_drag_without_files_is_refused(panel: CorpusPanel) -> None:
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(panel, enter)
    assert not enter.isAccepted()


def test_roles_and_split_go_into_the_config(panel: CorpusPanel, qtbot, shakespeare_small) -> None:
    panel.add_paths([shakespeare_small["train"], shakespeare_small["valid"], shakespeare_small["test"]])
    panel.valid_percent.setValue(10.0)
    config = TrainConfig()
    panel.apply_to(config)
    assert len(config.train) == 3 and config.valid is None
    assert config.split == pytest.approx((0.85, 0.10, 0.05))
    panel.set_role(shakespeare_small["valid"], "valid")
    panel.set_role(shakespeare_small["test"], "valid")  # only one validation file: the old one trains again
    panel.apply_to(config)
    assert config.valid == str(shakespeare_small["test"].resolve())
    assert config.train == [str(p.resolve()) for p in (shakespeare_small["train"], shakespeare_small["valid"])]
    assert not panel.valid_percent.isEnabled() and "validation file is chosen" in panel.split_label.text()
    panel.reuse_radio.setChecked(True)
    panel.apply_to(config)
    assert config.tokenizer == "new", "without a source there is no tokenizer to reuse"
    panel.set_source("/some/model")
    panel.apply_to(config)
    assert config.tokenizer == "source" and not panel.vocab_spin.isEnabled()
    wait_stats(qtbot, panel, 2)


def test_unusable_file_is_reported_in_the_panel_and_dropped(panel: CorpusPanel, qtbot, tmp_path: Path,
                                                            shakespeare_small) -> None:
    binary = tmp_path / "weights.txt"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    panel.add_paths([shakespeare_small["train"], binary])
    qtbot.waitUntil(lambda: panel.message.level == "error", timeout=10_000)
    assert "weights.txt" in panel.message.text()
    assert [Path(p).name for p, _ in panel.entries()] == ["train.txt"]
    panel.message.clear()
    assert not panel.message.isVisible()


def test_preview_html_alternates_backgrounds_and_escapes() -> None:
    html = preview_html([[f"{WORD_START}a", "<b>", "c"]])
    assert html.count("#dbeafe") == 2 and html.count("#fde68a") == 1
    assert "&lt;b&gt;" in html and WORD_START not in html


def test_the_vocabulary_is_auto_until_chosen_and_follows_the_text(panel: CorpusPanel, qtbot,
                                                                  shakespeare_small: dict[str, Path]) -> None:
    assert panel.vocab_spin.text() == "auto"
    panel.add_paths([shakespeare_small["train"]])
    qtbot.waitUntil(lambda: panel.preview is not None, timeout=60_000)
    config = TrainConfig()
    panel.apply_to(config)
    assert panel.preview.vocab_size == auto_vocab_size(open_sources(config)[0].stats().bytes)


def test_your_own_file_replaces_the_bundled_sample_with_a_note(make_window, qtbot, shakespeare_small,
                                                              monkeypatch) -> None:
    """Issue #20: adding your own file kept the bundled sample in the list, with no hint."""
    window = make_window()
    panel = window.corpus_panel
    sample = str(paths.sample_corpus().resolve())
    assert [path for path, _role in panel.entries()] == [sample]
    own = str(shakespeare_small["train"].resolve())
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileNames", staticmethod(lambda *_a: ([own], "")))
    qtbot.mouseClick(next(b for b in panel.findChildren(QPushButton) if b.text() == "Add files…"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [path for path, _role in panel.entries()] == [own], timeout=20_000)
    assert "sample" in panel.message.text() and "Use sample" in panel.message.text()
    assert window.build_config().train == [own]
    qtbot.mouseClick(next(b for b in panel.findChildren(QPushButton) if b.text() == "Use sample"),
                     Qt.MouseButton.LeftButton)
    assert [path for path, _role in panel.entries()] == [own, sample], "asked for, the sample joins your text"


def test_the_note_about_vanished_files_goes_once_the_user_adds_text(panel: CorpusPanel, qtbot,
                                                                     tmp_path: Path) -> None:
    """Saved settings name a file deleted since: the panel says so, and the note is stale (and goes) as
    soon as the user fills the list again, here with Use sample."""
    gone = tmp_path / "deleted.txt"
    panel.set_state({"entries": [[str(gone), "train"]]})
    assert "deleted.txt" in panel.message.text() and panel.table.rowCount() == 0
    use_sample = next(b for b in panel.findChildren(QPushButton) if b.text() == "Use sample")
    qtbot.mouseClick(use_sample, Qt.MouseButton.LeftButton)
    wait_stats(qtbot, panel)
    assert panel.message.text() == ""
    assert [Path(p).name for p, _role in panel.entries()] == [paths.sample_corpus().name]
