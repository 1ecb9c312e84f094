"""The app says so when Chinese text arrives and no font can draw it (the machine's fonts do not matter)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rnnlm_studio.gui import fonts
from rnnlm_studio.gui.corpus_panel import CorpusPanel
from tests.conftest import SHARED_DATA


@pytest.fixture
def chinese_file(tmp_path: Path) -> Path:
    path = tmp_path / "红楼梦.txt"
    lines = (SHARED_DATA / "chinese-classics" / "hongloumeng.txt").read_text(encoding="utf-8").split("\n")[:20]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fonts_installed(monkeypatch: pytest.MonkeyPatch, families: list[str]) -> None:
    monkeypatch.setattr(fonts.QFontDatabase, "families", staticmethod(lambda *system: list(families)))


@pytest.mark.parametrize("families, warned", [([], True), (["Noto Sans CJK SC"], False)])
def test_chinese_corpus_without_a_cjk_font_is_flagged(qtbot, monkeypatch: pytest.MonkeyPatch, chinese_file: Path,
                                                      families: list[str], warned: bool) -> None:
    fonts_installed(monkeypatch, families)
    panel = CorpusPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.add_paths([chinese_file])
    qtbot.waitUntil(lambda: panel.table.item(0, 3) is not None and panel.table.item(0, 3).text() != "…",
                    timeout=10_000)
    assert ("No Chinese font is installed" in panel.message.text()) is warned
    assert panel.table.item(0, 0).text() == "红楼梦.txt"


def test_english_text_never_asks_for_a_chinese_font(monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    fonts_installed(monkeypatch, [])
    assert fonts.cjk_font_problem(["Latin", "Cyrillic"]) is None
    assert fonts.cjk_font_problem(["Latin", "CJK"]) == fonts.NO_CJK_FONT


def test_startup_logs_a_missing_cjk_font(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                         qtbot) -> None:
    fonts_installed(monkeypatch, [])
    with caplog.at_level(logging.WARNING, logger=fonts.__name__):
        fonts.log_missing_cjk_font()
    assert fonts.NO_CJK_FONT in caplog.text
    caplog.clear()
    fonts_installed(monkeypatch, ["Noto Sans CJK SC"])
    fonts.log_missing_cjk_font()
    assert caplog.text == ""


def test_a_gbk_file_shows_its_detected_encoding(qtbot, monkeypatch: pytest.MonkeyPatch, chinese_file: Path) -> None:
    fonts_installed(monkeypatch, ["Noto Sans CJK SC"])
    chinese_file.write_bytes(chinese_file.read_text(encoding="utf-8").encode("gbk"))
    panel = CorpusPanel()
    qtbot.addWidget(panel)
    panel.add_paths([chinese_file])
    qtbot.waitUntil(lambda: panel.table.item(0, 5) is not None and panel.table.item(0, 5).text() != "…",
                    timeout=10_000)
    assert panel.table.item(0, 5).text() == "gb18030"
    assert "GB18030 (detected)" in panel.message.text()
