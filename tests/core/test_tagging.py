"""Per-token tagging: the file layout, BIO entities and their F1, a short run and predict on a tagger."""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from rnnlm_studio import api
from rnnlm_studio.core.classify import LABELS_FILE
from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.errors import CorpusError
from rnnlm_studio.core.events import DoneEvent, ErrorEvent, EvalEvent
from rnnlm_studio.core.predict import format_predictions, load_task_model, predict
from rnnlm_studio.core.tagging import entity_f1, entity_spans, is_bio, is_tagged_file, load_tagged
from rnnlm_studio.core.tasks import TAG, task_kind, train_task
from tests.core.test_classify import FILLER, FRUIT, TOOLS, task_config, toy_source, toy_tsv  # noqa: F401


def test_entity_spans_read_bio_as_conlleval_does() -> None:
    assert entity_spans(["B-PER", "I-PER", "O", "B-LOC"]) == {("PER", 0, 2), ("LOC", 3, 4)}
    assert entity_spans(["I-PER", "I-PER", "O"]) == {("PER", 0, 2)}  # a stray I- begins an entity
    assert entity_spans(["B-PER", "I-LOC", "I-LOC"]) == {("PER", 0, 1), ("LOC", 1, 3)}  # another type: a new one
    assert entity_spans(["B-PER", "B-PER"]) == {("PER", 0, 1), ("PER", 1, 2)}
    assert entity_spans(["O", "O"]) == set()


def test_entity_f1_counts_exact_span_matches_only() -> None:
    truth = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    guess = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    assert entity_f1(truth, guess) == pytest.approx(0.5)  # seqeval's README example
    assert entity_f1(truth, truth) == pytest.approx(1.0)
    # one of two true entities found, plus one wrong guess: P = 1/2, R = 1/2
    assert entity_f1([["B-A", "O", "B-B"]], [["B-A", "B-B", "O"]]) == pytest.approx(0.5)
    # right span, wrong type: no credit
    assert entity_f1([["B-A", "I-A"]], [["B-B", "I-B"]]) == 0.0
    assert math.isnan(entity_f1([["O"]], [["O"]]))


def test_bio_is_recognised_only_when_every_label_follows_it() -> None:
    assert is_bio(["B-LOC", "I-LOC", "O"]) and is_bio(["B-X", "O"])
    assert not is_bio(["NOUN", "VERB"]) and not is_bio(["O"]) and not is_bio(["B-X", "NOUN", "O"])


def tagged_lines(rng: random.Random, n: int) -> str:
    """Sentences whose fruit and tool words are entities (fruit pairs are one two-word entity)."""
    out = []
    for _ in range(n):
        rows = []
        for _ in range(rng.randint(4, 8)):
            pick = rng.random()
            if pick < 0.25:
                rows += [f"{rng.choice(FRUIT)}\tB-FRUIT", f"{rng.choice(FRUIT)}\tI-FRUIT"]
            elif pick < 0.5:
                rows.append(f"{rng.choice(TOOLS)}\tB-TOOL")
            else:
                rows.append(f"{rng.choice(FILLER)}\tO")
        out.append("\n".join(rows))
    return "\n\n".join(out) + "\n"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tagged") / "train.conll"
    path.write_text(tagged_lines(random.Random(0), 200), encoding="utf-8")
    return path


def test_the_layout_chooses_the_kind(tagged: Path, toy_tsv: Path, tmp_path: Path) -> None:  # noqa: F811
    assert is_tagged_file(tagged) and not is_tagged_file(toy_tsv) and not is_tagged_file(tmp_path)
    headerless = tmp_path / "rows.tsv"
    headerless.write_text("fruit\tapple and pear\n")  # texts hold spaces: not tokens
    assert not is_tagged_file(headerless)
    assert task_kind(TrainConfig(train=[str(tagged)])) is TAG
    config = task_config(tagged, tagged)
    config.train.append(str(toy_tsv))
    mixed = list(train_task(config))
    assert isinstance(mixed[-1], ErrorEvent) and "mixes tagging files" in mixed[-1].message


def test_a_bad_tagging_line_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("apple\tB-FRUIT\npear B-FRUIT\n")
    with pytest.raises(CorpusError, match=r"line 2: a tagging file has one token and its label per line"):
        load_tagged(path)


@pytest.fixture(scope="module")
def tag_run(tagged: Path, toy_source: Path, tmp_path_factory: pytest.TempPathFactory) -> list:  # noqa: F811
    patch = pytest.MonkeyPatch()
    patch.setenv("RNNLM_STUDIO_HOME", str(tmp_path_factory.mktemp("tag-home")))
    events = list(train_task(task_config(tagged, toy_source, max_steps=90, eval_every=30, lr=2e-2, name="ner")))
    yield events
    patch.undo()


def test_a_tagger_trains_in_the_task_run_and_reports_entity_f1(tag_run: list) -> None:
    done = tag_run[-1]
    assert isinstance(done, DoneEvent), done
    assert set(done.valid) == {"loss", "accuracy", "macro_f1", "entity_f1"}
    evals = [e for e in tag_run if isinstance(e, EvalEvent) and e.split == "valid"]
    assert all("entity_f1" in e.extra for e in evals) and len(evals) >= 3
    assert done.valid["accuracy"] > 0.6, done.valid  # "O" alone would score 0.4: the words give tags away
    assert done.valid["entity_f1"] > 0.4, done.valid
    labels = json.loads((Path(done.best_checkpoint) / LABELS_FILE).read_text())
    assert labels["kind"] == "tag" and labels["labels"] == ["B-FRUIT", "B-TOOL", "I-FRUIT", "O"]


def test_predict_on_a_tagger_tags_each_word(tag_run: list, monkeypatch) -> None:
    done = tag_run[-1]
    monkeypatch.setenv("RNNLM_STUDIO_HOME", str(Path(done.run_dir).parents[1]))
    text = f"the {FRUIT[0]} {FRUIT[1]} and {TOOLS[0]}"
    [prediction] = api.predict("ner", text)
    assert [word for word, _tag, _p in prediction.tags] == text.split()
    assert all(0 < p <= 1 for _w, _t, p in prediction.tags)
    assert prediction.to_dict()["tokens"][0]["token"] == "the" and "label" not in prediction.to_dict()
    again = predict(load_task_model(done.run_dir), [text])[0]
    assert [tag for _w, tag, _p in again.tags] == [tag for _w, tag, _p in prediction.tags]
    line = format_predictions([prediction])
    assert line.split() == [f"{w}/{t}" for w, t, _p in prediction.tags]


def test_too_few_sentences_names_the_fix_in_the_interfaces_words(tmp_path: Path) -> None:
    """The Classify box's runs show this in the window: never "pass --valid" there."""
    from rnnlm_studio.core.errors import set_spelling
    from rnnlm_studio.core.tagging import split_sentences

    path = tmp_path / "one.tsv"
    path.write_text("Paris\tB-LOC\nis\tO\n", encoding="utf-8")
    set_spelling(lambda name, value, imperative: f"<{'supply ' if imperative else ''}{name}>")
    with pytest.raises(CorpusError) as refused:
        split_sentences(load_tagged(path), (0.8, 0.1, 0.1), 0)
    assert "--" not in str(refused.value) and "<supply valid>" in str(refused.value)


def test_a_blank_text_gets_no_tags_instead_of_a_crash(tag_run: list) -> None:
    """The Python API passes texts as given (the command line skips blank lines): a blank one has no
    word to tag, and the texts after it still get theirs, in order."""
    loaded = load_task_model(tag_run[-1].run_dir)
    blank, spaces, words = predict(loaded, ["", "   ", f"the {FRUIT[0]}"])
    assert blank.tags == [] and spaces.tags == [] and blank.label is None
    assert [word for word, _tag, _p in words.tags] == ["the", FRUIT[0]]
