"""The Playground with the bundled Chinese model, as a user with a Chinese input method meets it:
while 拼音 is being composed (preedit) nothing is suggested and no ghost covers it; the committed
characters bring the suggestions back, which are next characters and short phrases, and Tab takes
the phrase without the space English words get."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from rnnlm_studio.core.paths import bundled_models_dir
from rnnlm_studio.core.words import is_cjk
from rnnlm_studio.gui.playground import PlaygroundPanel
from rnnlm_studio.gui.prompt_edit import PromptEdit

from .test_playground import panel  # noqa: F401 (the empty Playground, shown)

# The novel's own line start (four spaces): the model reads an unindented line as a chapter heading.
PROMPT = "    却说宝玉听了这话，"


@pytest.fixture
def chinese(panel: PlaygroundPanel, qtbot) -> PlaygroundPanel:  # noqa: ANN001
    panel.set_model(bundled_models_dir() / "chinese-lstm")
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=60_000)
    return panel


def _input_method(editor: PromptEdit, preedit: str, commit: str = "") -> None:
    """What an input method sends: the composition so far, or the characters chosen (commit)."""
    event = QInputMethodEvent(preedit, [])
    event.setCommitString(commit)
    QApplication.sendEvent(editor, event)


def test_composition_is_left_alone_and_committed_characters_bring_suggestions(chinese: PlaygroundPanel, qtbot,  # noqa: ANN001
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    editor, completer = chinese.editor, chinese.autocompleter
    asked: list[str] = []
    suggest = completer.suggest
    monkeypatch.setattr(completer, "suggest", lambda prompt, *args: (asked.append(prompt), suggest(prompt, *args))[1])
    editor.setPlainText(PROMPT)
    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.setFocus()

    _input_method(editor, "", "便")  # a character chosen: ordinary typing
    qtbot.waitUntil(lambda: editor.ghost != "" and editor.suggestions_shown() != [], timeout=20_000)

    _input_method(editor, "x")  # 拼音 starts: the ghost and the list go at once
    assert editor.composing and editor.ghost == "" and editor.suggestions_shown() == []
    _input_method(editor, "xiao")
    asked_before = len(asked)
    qtbot.wait(500)  # time for a suggestion to arrive, were one asked for
    assert len(asked) == asked_before and editor.ghost == "" and editor.suggestions_shown() == []
    assert editor.toPlainText() == PROMPT + "便", "the preedit is not text yet"

    _input_method(editor, "", "笑")  # the syllable becomes 笑
    assert not editor.composing and editor.toPlainText() == PROMPT + "便笑"
    expected = suggest(PROMPT + "便笑", 5, 3)
    qtbot.waitUntil(lambda: editor.ghost == expected.phrase and expected.phrase != "", timeout=20_000)
    assert editor.suggestions_shown() == [word.word for word in expected.words]
    assert asked[-1] == PROMPT + "便笑"


def test_suggestions_are_characters_and_tab_takes_the_highlighted_word_without_a_space(chinese: PlaygroundPanel,
                                                                                   qtbot) -> None:  # noqa: ANN001
    assert chinese.summary.text().endswith("test char ppl 70.9"), "the card's figure is per character"
    editor = chinese.editor
    editor.setPlainText(PROMPT)
    editor.moveCursor(QTextCursor.MoveOperation.End)
    _input_method(editor, "", "便")
    expected = chinese.autocompleter.suggest(PROMPT + "便", 5, 3)
    qtbot.waitUntil(lambda: editor.ghost == expected.phrase and expected.phrase != "", timeout=20_000)
    words = editor.suggestions_shown()
    assert words and all(is_cjk(word[0]) and len(word) <= 4 for word in words)  # characters and short words
    assert 1 <= len(expected.phrase) <= 12 and is_cjk(expected.phrase[0])  # a short phrase
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # the highlighted (first) word; the rest of the phrase is a preview
    assert editor.toPlainText() == PROMPT + "便" + words[0]
    qtbot.waitUntil(lambda: editor.suggestions_shown() != [], timeout=20_000)  # and on it goes
