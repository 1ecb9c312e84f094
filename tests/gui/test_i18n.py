"""The interface in Simplified Chinese: every string translated, the compiled catalogue current, and
the window, built under zh_CN, showing no English a user would have to read.

The window walk reads what a user sees: labels, buttons, tooltips, placeholders, group titles,
tabs, combo entries, table headers, dock titles, menus and actions. It skips what is content, not
interface: text boxes' documents (model cards, the tokenizer preview) and per-entry tooltips of
combo boxes (model cards, core's reasons a device is unavailable).
"""
from __future__ import annotations

import html
import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDockWidget, QDoubleSpinBox, QGroupBox, QLabel, QLineEdit,
                               QMenu, QMessageBox, QPlainTextEdit, QProgressBar, QSpinBox, QTableView, QTabWidget,
                               QWidget)

from rnnlm_studio.core.checkpoint import list_models
from rnnlm_studio.core.config import (CELLS, MAPPINGS, MULTI_SOURCES, OPTIMIZERS, SCHEDULES, TOKENIZER_KINDS,
                                      TRANSFERS)
from rnnlm_studio.core.study import available_axes
from rnnlm_studio.gui.i18n import LANGUAGE_KEY, i18n_dir, install_translators
from rnnlm_studio.gui.widgets import open_settings

REPO = Path(__file__).resolve().parents[2]
TS = i18n_dir() / "rnnlm_studio_zh_CN.ts"

# Latin text a Chinese interface keeps, and why:
ALLOWED = [
    r"RNNLM Studio", r"English",  # the product's name; the language menu names each language in itself
    r"tiny-shakespeare", r"Noto Sans CJK", r"fonts-noto-cjk", r"rnnlm-studio", r"Markdown",  # names of things
    r"\bstudy-",  # a study's default name, as `rnnlm-studio study` writes it
    r"\bAWD-LSTM\b", r"\bLSTM\b", r"\bGRU\b", r"\bRNN\b", r"\bBPE\b", r"\bULMFiT\b", r"\bAdamW\b", r"\bSGD\b", r"\bDropout\b",
    r"\bSWA\b", r"\bTensorBoard\b", r"\btorchrun\b", r"\bPyTorch\b",  # methods and tools, as the literature writes them
    r"\b(CPU|GPU|CUDA|PNG|SVG|CSV|TSV|UTF-8|L2|KB|MB|GB|Top-[kp]|bpb|nproc)\b", r"\b[kp]\b",  # acronyms, symbols
    r"\b(F\d+|Shift|Ctrl|Tab|Esc)\b",  # key names, as printed on the keys
    r"\b\d+(\.\d+)?\s?(ms|s|min|h|M)\b",  # units after a number (core.formatting's durations)
    r"[\w.-]+\.(txt|md|tsv|csv|png|json)\b", r"\(\*\.\w+[^)]*\)",  # file names and dialog filters
    r"<i>(label|text)</i>",  # the column names a labelled-data file must have
    r"\bT\b", r"[EW] \+ [EB]·[TA]",  # the articles' mapping T and its formulas
    r"<[^>]+>",  # markup
]


def _load_script() -> object:
    spec = importlib.util.spec_from_file_location("translations", REPO / "packaging" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _ts_messages() -> list[tuple[str, str, str]]:
    return [(context.findtext("name"), message.findtext("source"), message.findtext("translation"))
            for context in ET.parse(TS).getroot().iter("context") for message in context.iter("message")]


def test_every_marked_string_in_the_code_has_a_finished_translation() -> None:
    script = _load_script()
    assert len(script.extract()) > 300  # the extraction sees the interface (a broken one finds nothing)
    assert script.problems("zh_CN") == [], "run `python packaging/translations.py`, then translate the new strings"


def test_the_compiled_catalogue_says_what_the_ts_says() -> None:
    """A .qm built from an older .ts would show stale or English text: rebuild with packaging/translations.py."""
    catalogue = QTranslator()
    assert catalogue.load(str(TS.with_suffix(".qm")))
    stale = [(context, source) for context, source, translation in _ts_messages()
             if catalogue.translate(context, source) != translation]
    assert stale == []


def test_placeholders_survive_translation() -> None:
    """A translation that drops or renames a {placeholder} would raise in str.format at run time."""
    def fields(text: str) -> list[str]:
        return sorted(re.findall(r"\{[^}]*\}", text))
    assert [(source, translation) for _c, source, translation in _ts_messages()
            if fields(source) != fields(translation)] == []


@pytest.fixture
def chinese(qapp: QCoreApplication) -> Iterator[None]:
    found = install_translators(qapp, "zh_CN")
    assert len(found) == 2, "ours and Qt's own qtbase_zh_CN"
    yield
    for translation in found:
        qapp.removeTranslator(translation)


def _texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a user can read on one widget."""
    name = f"{type(widget).__name__} {widget.objectName()}".strip()
    yield name + " tooltip", widget.toolTip()
    if isinstance(widget, (QLabel, QAbstractButton)):
        yield name, widget.text()
    if isinstance(widget, (QLineEdit, QPlainTextEdit)):
        yield name + " placeholder", widget.placeholderText()
    if isinstance(widget, QGroupBox):
        yield name, widget.title()
    if isinstance(widget, QDockWidget):
        yield name, widget.windowTitle()
    if isinstance(widget, QTabWidget):
        yield from ((name, widget.tabText(i)) for i in range(widget.count()))
    if isinstance(widget, QComboBox):
        yield from ((name, widget.itemText(i)) for i in range(widget.count()))
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        yield name, widget.specialValueText() + widget.suffix()
    if isinstance(widget, QProgressBar):
        yield name, widget.format()
    if isinstance(widget, QTableView):
        model = widget.model()
        yield from ((name + " header", str(model.headerData(c, Qt.Orientation.Horizontal) or ""))
                    for c in range(model.columnCount()))
    if isinstance(widget, QMenu) or widget.actions():
        for action in widget.actions():
            yield from ((f"action in {name}", text) for text in (action.text(), action.toolTip()))
            if action.menu() is not None:
                yield from _texts(action.menu())


def _untranslated(text: str, allowed: list[str]) -> bool:
    text = html.unescape(text)
    for pattern in allowed:
        text = re.sub(pattern, " ", text)
    return re.search(r"[A-Za-z]{2,}", text) is not None


def test_the_window_in_chinese_shows_no_untranslated_text(chinese: None, make_window, qtbot) -> None:  # noqa: ANN001
    window = make_window()
    qtbot.waitUntil(lambda: window.corpus_panel.preview is not None, timeout=120_000)
    names = [re.escape(info.name) for info in list_models()]
    words = (*TRANSFERS, *CELLS, *OPTIMIZERS, *SCHEDULES, *TOKENIZER_KINDS, *MULTI_SOURCES, *MAPPINGS, *available_axes())
    values = [rf"\b{re.escape(v)}\b" for v in sorted(words, key=len, reverse=True)]  # transfer-layers before transfer
    allowed = ALLOWED + names + values  # option values are the CLI's and run.toml's words; the help says them
    seen = [("window", window.windowTitle())]
    for widget in [window, window.menuBar(), *window.findChildren(QWidget)]:
        seen += list(_texts(widget))
    english = sorted({(where, text) for where, text in seen if text and _untranslated(text, allowed)})
    assert english == [], "\n".join(f"{where}: {text!r}" for where, text in english)
    assert window.start_action.text() == "开始"
    assert "训练" in [action.text() for action in window.menuBar().actions()][1]


def _language_menu(window) -> QMenu:  # noqa: ANN001
    view = next(action.menu() for action in window.menuBar().actions() if action.text() == "&View")
    return next(action.menu() for action in view.actions() if action.text() == "Language")


def test_the_language_menu_stores_the_choice_for_the_next_start(make_window, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: told.append(text))
    window = make_window()
    entries = {action.text(): action for action in _language_menu(window).actions()}
    assert list(entries) == ["English", "简体中文", "System"] and entries["System"].isChecked()
    entries["简体中文"].trigger()
    assert open_settings().value(LANGUAGE_KEY) == "zh_CN"
    assert told == ["The interface language changes when RNNLM Studio is restarted."]
    assert window.start_action.text() == "Start", "nothing changes before the restart"
    reopened = _language_menu(make_window())
    assert [action.text() for action in reopened.actions() if action.isChecked()] == ["简体中文"]


def test_a_training_run_logs_in_chinese(chinese: None, make_window, qtbot, shakespeare_small) -> None:  # noqa: ANN001
    """The lines the Training panel writes itself (start, evaluations, checkpoints, the end) are in the
    window's language; only core's own notes, the run's name and its device and precision stay as written."""
    from rnnlm_studio.core.events import LogEvent, StartEvent

    from tests.gui.conftest import set_tiny_model

    window = make_window()
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    window.corpus_panel.add_paths([shakespeare_small["valid"]], role="valid")
    set_tiny_model(window, steps=20, eval_every=10)
    events: list = []
    window.training_event.connect(events.append)
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        qtbot.mouseClick(window.toolbar.widgetForAction(window.start_action), Qt.MouseButton.LeftButton)
    start = next(e for e in events if isinstance(e, StartEvent))
    notes = {e.message for e in events if isinstance(e, LogEvent)}
    content = [re.escape(start.config["name"] or ""), re.escape(start.run_id), r"\bcpu\b", r"\b(fp32|bf16|fp16)\b"]
    lines = [line for line in window.training_panel.log.toPlainText().splitlines() if line not in notes]
    assert sum("验证" in line for line in lines) >= 3, lines  # two evaluations and the end
    assert [line for line in lines if _untranslated(line, ALLOWED + content)] == []


def test_rebuilding_the_catalogue_leaves_a_running_window_in_its_language(tmp_path: Path, qapp) -> None:  # noqa: ANN001
    """A running app maps its .qm: rebuilt in place under it, the rest of the session's strings turned back
    to English (seen while a translator rebuilt the catalogue beside an open window)."""
    script = _load_script()
    ts = tmp_path / TS.name
    ts.write_bytes(TS.read_bytes())
    catalogue = QTranslator()
    assert catalogue.load(str(script.compile_ts(ts)))
    ts.write_text(ts.read_text(encoding="utf-8").replace("<translation>暂停</translation>",
                                                         "<translation>暂停一下</translation>"), encoding="utf-8")
    script.compile_ts(ts)
    assert catalogue.translate("MainWindow", "Pause") == "暂停"
    assert catalogue.translate("TrainingPanel", "Training") == "训练中"
