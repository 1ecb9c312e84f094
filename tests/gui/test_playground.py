"""The Playground dock: suggestions while typing, Tab/Esc/arrows, streaming generation with
Stop, and the surprisal heatmap with a second model side by side."""
from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from rnnlm_studio.core import autocomplete, checkpoint, sampling
from rnnlm_studio.core.config import ModelConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import StudioError
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.surprisal import TokenSurprisal
from rnnlm_studio.gui.heatmap import heat_colour, heatmap_title, token_tooltip
from rnnlm_studio.gui.playground import NO_MODEL, PlaygroundPanel

PROMPT = "First Citizen:\nBefore we proceed any further, hear me "


def _train(model: RNNLM, ids: torch.Tensor, steps: int) -> None:
    """A few hundred Adam steps: enough for the tiny model to prefer real words."""
    torch.manual_seed(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - 33, (16,))
        batch = torch.stack([ids[s:s + 33] for s in starts.tolist()])
        logits, _ = model(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> dict[str, Path]:
    """Two tiny model folders on one tokenizer: a briefly trained one and an untrained one."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("playground-models")
    tokenizer, _ = Tokenizer.train(Corpus.open([shakespeare_small["train"]]), "unigram", 600)
    ids = torch.tensor(tokenizer.encode_lines(shakespeare_small["train"].read_text(encoding="utf-8")))
    config = ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=48, hidden_size=96, dropout_input=0,
                         dropout_hidden=0, dropout_output=0)
    torch.manual_seed(0)
    trained = RNNLM(config)
    _train(trained, ids, 150)
    torch.manual_seed(1)
    return {
        "tiny-bard": checkpoint.save_model_folder(root / "tiny-bard", trained, tokenizer,
                                                  metrics={"valid": {"word_ppl": 321.0}}),
        "untrained": checkpoint.save_model_folder(root / "untrained", RNNLM(config).eval(), tokenizer),
    }


@pytest.fixture
def panel(qtbot) -> Iterator[PlaygroundPanel]:  # noqa: ANN001
    widget = PlaygroundPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 560)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture
def ready(panel: PlaygroundPanel, models: dict[str, Path], qtbot) -> PlaygroundPanel:  # noqa: ANN001
    panel.set_model(models["tiny-bard"])
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=20_000)
    return panel


def _type_at_end(panel: PlaygroundPanel, qtbot, text: str) -> None:  # noqa: ANN001
    panel.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(panel.editor, text)


def test_empty_panel_says_what_to_do(panel: PlaygroundPanel, artifacts: Path) -> None:
    assert panel.summary.text() == NO_MODEL
    assert panel.editor.placeholderText() == NO_MODEL
    assert panel.editor.isReadOnly()
    assert not panel.generate_button.isEnabled()
    assert not panel.analyse_button.isEnabled()
    panel.grab().save(str(artifacts / "playground-empty.png"))


def test_the_chooser_lists_installed_models_and_loads_the_chosen_one(panel: PlaygroundPanel,
                                                                     models: dict[str, Path], qtbot) -> None:  # noqa: ANN001
    checkpoint.install_model(models["tiny-bard"])
    panel.refresh_models()
    index = panel.model_box.findText("tiny-bard")
    assert index > 0 and panel.compare_box.findText("tiny-bard") > 0
    panel.model_box.setCurrentIndex(index)
    panel.model_box.activated.emit(index)
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=20_000)
    assert panel.loaded.name == "tiny-bard" and not panel.editor.isReadOnly()
    panel.compare_box.setCurrentIndex(panel.compare_box.findText("tiny-bard"))
    panel.refresh_models()
    assert panel.compare_box.currentText() == "tiny-bard", "refreshing keeps both choices"
    assert panel.model_box.currentText() == "tiny-bard"


def test_summary_names_the_architecture(ready: PlaygroundPanel) -> None:
    summary = ready.summary.text()
    assert summary.startswith("tiny-bard: 1-layer LSTM 48/96")
    assert "600 unigram pieces" in summary and "valid word ppl 321.0" in summary
    assert not ready.editor.isReadOnly()


def test_typing_shows_suggestions_and_tab_accepts(ready: PlaygroundPanel, qtbot, artifacts: Path) -> None:  # noqa: ANN001
    editor = ready.editor
    editor.setPlainText(PROMPT)
    _type_at_end(ready, qtbot, "sp")
    qtbot.waitUntil(lambda: len(editor.suggestions_shown()) > 0, timeout=10_000)
    words = editor.suggestions_shown()
    assert all(word.startswith("sp") for word in words)
    expected = ready.autocompleter.suggest(PROMPT + "sp", 5, 3)
    assert words == [w.word for w in expected.words]
    qtbot.waitUntil(lambda: editor.ghost == expected.phrase, timeout=10_000)  # the phrase follows the words
    assert editor.ghost.startswith(expected.words[0].text)
    ready.grab().save(str(artifacts / "playground-autocomplete.png"))
    ready.resize(430, 560)  # the width of the main window's left dock
    qtbot.wait(50)
    ready.grab().save(str(artifacts / "playground-narrow.png"))
    ready.resize(900, 560)
    if len(words) > 1:
        qtbot.keyClick(editor, Qt.Key.Key_Down)
        assert editor.ghost == expected.words[1].text
        qtbot.keyClick(editor, Qt.Key.Key_Up)
    assert editor.ghost == expected.phrase
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # issue #20: Tab takes the highlighted word, not the whole phrase
    assert editor.toPlainText() == PROMPT + "sp" + expected.words[0].text + " "
    assert "\t" not in editor.toPlainText()


def test_tab_accepts_the_word_highlighted_with_the_arrow_keys(ready: PlaygroundPanel, qtbot) -> None:  # noqa: ANN001
    editor = ready.editor
    editor.setPlainText(PROMPT)
    _type_at_end(ready, qtbot, "th")
    qtbot.waitUntil(lambda: len(editor.suggestions_shown()) > 1, timeout=10_000)
    expected = ready.autocompleter.suggest(PROMPT + "th", 5, 3)
    qtbot.waitUntil(lambda: editor.ghost == expected.phrase, timeout=10_000)
    qtbot.keyClick(editor, Qt.Key.Key_Down)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == PROMPT + "th" + expected.words[1].text + " "


def test_escape_dismisses_and_later_typing_brings_them_back(ready: PlaygroundPanel, qtbot) -> None:  # noqa: ANN001
    editor = ready.editor
    editor.setPlainText(PROMPT)
    _type_at_end(ready, qtbot, "t")
    qtbot.waitUntil(lambda: len(editor.suggestions_shown()) > 0, timeout=10_000)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.suggestions_shown() == [] and editor.ghost == ""
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == PROMPT + "t", "Tab with nothing suggested inserts nothing"
    _type_at_end(ready, qtbot, "h")
    qtbot.waitUntil(lambda: len(editor.suggestions_shown()) > 0, timeout=10_000)
    assert all(word.startswith("th") for word in editor.suggestions_shown())


def test_moving_the_cursor_dismisses_the_suggestions(ready: PlaygroundPanel, qtbot) -> None:  # noqa: ANN001
    editor = ready.editor
    editor.setPlainText(PROMPT)
    _type_at_end(ready, qtbot, "sp")
    qtbot.waitUntil(lambda: len(editor.suggestions_shown()) > 0, timeout=10_000)
    qtbot.keyClick(editor, Qt.Key.Key_Home)
    assert editor.suggestions_shown() == [] and editor.ghost == ""


def test_fast_typing_shows_only_the_latest_suggestions(ready: PlaygroundPanel, qtbot) -> None:  # noqa: ANN001
    editor = ready.editor
    editor.setPlainText("")
    _type_at_end(ready, qtbot, "All: We know't, we kno")
    qtbot.waitUntil(lambda: len(editor.suggestions_shown()) > 0, timeout=10_000)
    qtbot.wait(200)  # any stale reply still in flight arrives and must be dropped
    latest = ready.autocompleter.suggest(editor.toPlainText(), 5, 3)
    assert editor.suggestions_shown() == [w.word for w in latest.words]
    assert all(word.startswith("kno") for word in editor.suggestions_shown())


def test_generation_streams_and_stop_stops(ready: PlaygroundPanel, qtbot) -> None:  # noqa: ANN001
    ready.editor.setPlainText("First Citizen:\n")
    ready.length.setValue(5000)
    ready.seed.setValue(3)
    ready.generate_button.click()
    assert ready.is_generating() and ready.stop_button.isEnabled() and ready.editor.isReadOnly()
    qtbot.waitUntil(lambda: len(ready.editor.toPlainText()) > 60, timeout=20_000)
    ready.stop_button.click()
    qtbot.waitUntil(lambda: not ready.is_generating(), timeout=10_000)
    length = len(ready.editor.toPlainText())
    qtbot.wait(100)
    assert len(ready.editor.toPlainText()) == length, "nothing arrives after Stop"
    assert ready.status.text().startswith("Stopped after")
    assert ready.generate_button.isEnabled() and not ready.editor.isReadOnly()
    assert ready.editor.toPlainText().startswith("First Citizen:\n")


def test_generation_with_a_seed_is_reproducible(ready: PlaygroundPanel, qtbot) -> None:  # noqa: ANN001
    texts = []
    for _ in range(2):
        ready.editor.setPlainText("First Citizen:\n")
        ready.length.setValue(25)
        ready.seed.setValue(11)
        ready.generate_button.click()
        qtbot.waitUntil(lambda: not ready.is_generating(), timeout=20_000)
        texts.append(ready.editor.toPlainText())
    assert texts[0] == texts[1] and len(texts[0]) > len("First Citizen:\n")
    assert ready.status.text().startswith("Generated")


def test_surprisal_colours_tokens_side_by_side(ready: PlaygroundPanel, models: dict[str, Path], qtbot,  # noqa: ANN001
                                               artifacts: Path) -> None:
    text = "First Citizen:\nYou are all resolved rather to die than to famish?\nAll: Resolved. resolved."
    ready.editor.setPlainText(text)
    checkpoint.install_model(models["untrained"])
    ready.refresh_models()
    ready.tabs.setCurrentIndex(1)
    ready.compare_box.setCurrentIndex(ready.compare_box.findText("untrained"))
    ready.analyse_button.click()
    qtbot.waitUntil(lambda: all(view.isVisible() for view in ready.heatmaps), timeout=20_000)
    for view, name in zip(ready.heatmaps, ("tiny-bard", "untrained")):
        assert view.title.text().startswith(f"<b>{name}</b>")
        assert view.text.toPlainText() == text
        cursor = QTextCursor(view.text.document())
        for token in (t for t in view.tokens if t.text_piece != "\n"):  # a line end has no glyph to colour
            cursor.setPosition(token.start_char + 1)
            assert cursor.charFormat().background().color() == heat_colour(token.nll), token
    trained, untrained = ([t.nll for t in view.tokens] for view in ready.heatmaps)
    assert sum(trained) < sum(untrained), "the trained model is less surprised by Shakespeare"
    token = ready.heatmaps[0].token_at(text.index("Citizen"))
    assert token is not None and "Citizen" in token.text_piece
    tip = token_tooltip(token)
    assert "probability" in tip and "the model expected" in tip
    view = ready.heatmaps[0]
    cursor = QTextCursor(view.text.document())
    cursor.setPosition(text.index("Citizen") + 2)
    where = view.text.cursorRect(cursor).center()
    QApplication.sendEvent(view.text.viewport(),
                           QHelpEvent(QEvent.Type.ToolTip, where, view.text.viewport().mapToGlobal(where)))
    assert QToolTip.text() == tip, "hovering a token shows its tooltip"
    ready.grab().save(str(artifacts / "playground-surprisal.png"))


@pytest.mark.parametrize(("text", "unit", "words"), [("我用Python写代码。", "character", 7),
                                                   ("hear me now", "word", 3)])
def test_the_heatmap_title_counts_words_as_training_does(text: str, unit: str, words: int) -> None:
    """A Chinese character is a word (core/words.py), so a Chinese text's figure is per character."""
    tokens = [TokenSurprisal(char, i, i + 1, words * math.log(10) / len(text), 0.1, []) for i, char in enumerate(text)]
    assert f"{unit} perplexity 10.0 (network alone) · {len(text)} tokens" in heatmap_title("m", text, tokens)


def test_a_failed_generation_is_reported_and_the_panel_recovers(ready: PlaygroundPanel, qtbot,  # noqa: ANN001
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> Iterator[str]:
        yield "x"
        raise StudioError("the model file vanished: reload the model")

    monkeypatch.setattr(sampling, "generate", broken)
    ready.editor.setPlainText("First")
    ready.generate_button.click()
    qtbot.waitUntil(lambda: not ready.is_generating(), timeout=10_000)
    assert ready.messages.text() == "the model file vanished: reload the model"
    assert ready.editor.toPlainText() == "Firstx"
    assert ready.generate_button.isEnabled() and not ready.editor.isReadOnly()


def test_a_bad_model_reference_is_reported_in_the_panel(panel: PlaygroundPanel, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel.set_model(tmp_path / "no-such-model")
    qtbot.waitUntil(lambda: panel.messages.text() != "", timeout=10_000)
    assert "no-such-model" in panel.messages.text()
    assert panel.loaded is None and panel.summary.text() == NO_MODEL


def test_heat_colour_darkens_with_surprise() -> None:
    colours = [heat_colour(nll) for nll in (0.0, 2.0, 5.0, 20.0)]
    saturations = [c.saturationF() for c in colours]
    assert saturations == sorted(saturations) and saturations[0] < 0.1 < saturations[-1]


def test_suggestions_come_from_the_core(models: dict[str, Path]) -> None:
    loaded = checkpoint.load_model(models["tiny-bard"])
    words = autocomplete.complete(loaded, "First Citizen:\nWe are ", k=5)
    assert [w.probability for w in words] == sorted((w.probability for w in words), reverse=True)


def test_side_by_side_follows_the_second_model_and_names_panes_as_the_lists_do(
        panel: PlaygroundPanel, models: dict[str, Path], qtbot, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Issue #20: changing the second model did not refresh the panes, and a run's pane was titled "best"."""
    run = tmp_path / "my-shakespeare-run"
    shutil.copytree(models["tiny-bard"], run / "checkpoints" / "best")
    checkpoint.install_model(models["untrained"])
    checkpoint.install_model(models["tiny-bard"])
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getExistingDirectory", staticmethod(lambda *_a: str(run)))
    browse = next(b for b in panel.findChildren(QToolButton) if b.text().startswith("Open folder"))
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=20_000)
    panel.editor.setPlainText("First Citizen:\nYou are all resolved rather to die than to famish?")
    panel.tabs.setCurrentIndex(1)
    panel.analyse_button.click()
    qtbot.waitUntil(lambda: panel.heatmaps[0].isVisible(), timeout=20_000)
    assert panel.heatmaps[0].title.text().startswith("<b>my-shakespeare-run</b>")
    assert not panel.heatmaps[1].isVisible()
    for second in ("untrained", "tiny-bard"):
        panel.compare_box.setCurrentIndex(panel.compare_box.findText(second))  # no click on "Colour the text"
        qtbot.waitUntil(lambda s=second: panel.heatmaps[1].isVisible()
                        and panel.heatmaps[1].title.text().startswith(f"<b>{s}</b>"), timeout=20_000)
    panel.compare_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not panel.heatmaps[1].isVisible(), timeout=20_000)
