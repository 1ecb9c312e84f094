"""Task transfer: labelled data, the classifier, its metrics and a short end-to-end run."""
from __future__ import annotations

import errno
import json
import math
import random
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core import classify
from rnnlm_studio.core.classify import (HEAD_FILE, LABELS_FILE, TaskClassifier, build_classifier,
                                        classification_metrics, confusion_matrix, load_classifier,
                                        load_labelled, pad_batch, stratified_split, train_task)
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import ConfigError, CorpusError
from rnnlm_studio.core.events import DoneEvent, EvalEvent
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.runs import RunStore, read_events
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.trainer import TrainControl

FRUIT = "apple banana cherry grape mango pear plum peach lemon melon".split()
TOOLS = "hammer wrench drill saw chisel pliers spanner rasp clamp vice".split()
FILLER = "the a and with then some more of".split()


def toy_text(words: list[str], rng: random.Random) -> str:
    """A sentence whose topic words give its class away; filler words are shared by both classes."""
    return " ".join(rng.choice(words if rng.random() < 0.5 else FILLER) for _ in range(rng.randint(6, 12)))


@pytest.fixture(scope="module")
def toy_tsv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(0)
    rows = [("fruit", toy_text(FRUIT, rng)) for _ in range(120)] + [("tool", toy_text(TOOLS, rng)) for _ in range(120)]
    rng.shuffle(rows)
    path = tmp_path_factory.mktemp("toy") / "toy.tsv"
    path.write_text("label\ttext\n" + "".join(f"{label}\t{text}\n" for label, text in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy_source(tmp_path_factory: pytest.TempPathFactory, toy_tsv: Path) -> Path:
    """A tiny (untrained) source model whose tokenizer knows the toy words."""
    root = tmp_path_factory.mktemp("source")
    text = root / "text.txt"
    text.write_text("\n".join(line.split("\t")[1] for line in toy_tsv.read_text().splitlines()[1:]), encoding="utf-8")
    tokenizer, _ = Tokenizer.train(Corpus.open([text]), "unigram", 300)
    torch.manual_seed(123)  # not the runs' seed, so a scratch encoder differs from the source
    model = RNNLM(ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=32, hidden_size=48, layers=2,
                              dropout_input=0.0, dropout_hidden=0.0, dropout_output=0.0))
    return ckpt.save_model_folder(root / "toy-source", model, tokenizer)


def task_config(train: Path, source: Path, **overrides) -> TrainConfig:
    values = dict(train=[str(train)], source=str(source), transfer="task", lr=1e-2, batch_size=16, max_steps=120,
                  eval_every=40, seed=0, device="cpu", precision="fp32", threads=1)
    values.update(overrides)
    return TrainConfig(**values)


# ---------------------------------------------------------------- labelled data


def test_folder_examples_are_paragraphs_or_whole_files(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    (tmp_path / "poems").mkdir()
    (tmp_path / "news" / "a.txt").write_text("first story\nstill first\n\nsecond story\n\n\nthird story\n")
    (tmp_path / "news" / "b.txt").write_text("one file\nwithout blank lines\nis one example\n")
    (tmp_path / "poems" / "c.txt").write_text("roses are red\n")
    data = load_labelled(tmp_path)
    assert data.labels == ["news", "poems"]
    assert data.counts() == [4, 1]
    examples = dict(zip(data.texts, data.targets))
    assert examples["first story\nstill first"] == 0
    assert examples["one file\nwithout blank lines\nis one example"] == 0
    assert examples["roses are red"] == 1


def test_tsv_and_csv_read_columns_by_header_name(tmp_path: Path) -> None:
    tsv = tmp_path / "data.tsv"
    tsv.write_text('text\tlabel\nsome words\tpos\n"other" words\tneg\nmore "words\tpos\n')
    csv_file = tmp_path / "data.csv"
    csv_file.write_text('id,label,text\n1,pos,"a text, with a comma"\n2,neg,"two\nlines"\n')
    data = load_labelled(tsv)
    assert data.labels == ["neg", "pos"]
    assert list(zip(data.texts, data.targets)) == [("some words", 1), ('"other" words', 0), ('more "words', 1)]
    data = load_labelled(csv_file)
    assert list(zip(data.texts, data.targets)) == [("a text, with a comma", 1), ("two\nlines", 0)]


@pytest.mark.parametrize("layout, needle", [
    ({"only/a.txt": "text"}, "at least 2 classes"),
    ({"a/x.txt": "text", "b/.hidden": "x"}, "class 'b' has no examples"),
    ({"data.tsv": "label\tbody\nx\ty\n"}, "'label' and 'text'"),
    ({"data.tsv": "label\ttext\n"}, "no labelled examples"),
    ({"data.csv": "label,text\nsame,one\nsame,two\n"}, "at least 2 classes"),
    ({"data.tsv": "label\ttext\nx\tone\n\tno label\n"}, "line 3"),
    ({"data.txt": "label\ttext\nx\ty\n"}, ".tsv/.csv"),
])
def test_bad_labelled_data_is_refused_with_file_and_fix(tmp_path: Path, layout: dict, needle: str) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    target = root / next(iter(layout)) if next(iter(layout)).startswith("data.") else root
    with pytest.raises(CorpusError, match=needle) as err:
        load_labelled(target)
    assert str(root) in str(err.value) and ";" in str(err.value)


def test_stratified_split_is_deterministic_disjoint_and_keeps_every_class(toy_tsv: Path) -> None:
    data = load_labelled(toy_tsv)
    parts = stratified_split(data, (0.8, 0.1, 0.1), seed=3)
    assert stratified_split(data, (0.8, 0.1, 0.1), seed=3)["valid"].texts == parts["valid"].texts
    assert stratified_split(data, (0.8, 0.1, 0.1), seed=4)["valid"].texts != parts["valid"].texts
    assert [p.counts() for p in parts.values()] == [[96, 96], [12, 12], [12, 12]]
    assert sorted(t for p in parts.values() for t in p.texts) == sorted(data.texts)


# ---------------------------------------------------------------- the model and metrics


def test_classifier_shapes_and_pooling_ignore_padding() -> None:
    torch.manual_seed(0)
    encoder = RNNLM(ModelConfig(vocab_size=50, emb_size=8, hidden_size=12, layers=2))
    model = TaskClassifier(encoder, n_classes=3).eval()
    short, long = [5, 6, 7], [1, 2, 3, 4, 8, 9, 10]
    ids, lengths, _ = pad_batch([short, long], [0, 1])
    ids[0, 3:] = torch.tensor([40, 41, 42, 43])  # garbage in the padding must not matter
    assert model(ids, lengths).shape == (2, 3)
    pooled = model.pool(ids, lengths)
    assert pooled.shape == (2, 36)
    alone = model.pool(torch.tensor([short]), torch.tensor([3]))
    assert torch.allclose(pooled[0], alone[0], atol=1e-6)
    outputs, _ = encoder.encode(torch.tensor([short]))
    assert torch.allclose(alone[0, :12], outputs[0, -1]) and torch.allclose(alone[0, 24:], outputs[0].mean(0))


def test_macro_f1_matches_a_hand_computed_confusion_matrix() -> None:
    targets = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    predictions = [0, 0, 1, 2, 1, 1, 0, 2, 2, 2]
    matrix = confusion_matrix(targets, predictions, 3)
    assert matrix.tolist() == [[2, 1, 1], [1, 2, 0], [0, 0, 3]]
    # F1 = 2TP / (2TP + FP + FN): class 0: 4/7, class 1: 4/6, class 2: 6/7
    metrics = classification_metrics(matrix)
    assert metrics["accuracy"] == pytest.approx(0.7)
    assert metrics["macro_f1"] == pytest.approx((4 / 7 + 4 / 6 + 6 / 7) / 3)
    # a class absent from truth and prediction is left out of the average
    assert classification_metrics(confusion_matrix([0, 1], [0, 1], 3))["macro_f1"] == pytest.approx(1.0)


def test_transfer_copies_the_encoder_and_unfreezes_from_the_head_down(toy_tsv: Path, toy_source: Path) -> None:
    source = ckpt.load_model(toy_source)
    config = task_config(toy_tsv, toy_source, unfreeze_every=5, discriminative_factor=2.0)
    setup, _ = build_classifier(config, source, 2, pretrained=True, steps_per_epoch=15)
    for name, tensor in source.model.state_dict().items():
        assert torch.equal(setup.model.encoder.state_dict()[name], tensor), name
    names = setup.model.group_names()
    assert names == ["embedding", "rnn.0", "rnn.1", "head"]
    assert [g["lr_scale"] for g in setup.groups] == [1 / 8, 1 / 4, 1 / 2, 1]
    for step, trainable in ((0, ["head"]), (5, ["rnn.1", "head"]), (14, ["rnn.0", "rnn.1", "head"]), (15, names)):
        setup.before_step(step)
        assert [n for n in names if setup.model.group_parameters(n)[0].requires_grad] == trainable
    scratch, _ = build_classifier(config, source, 2, pretrained=False, steps_per_epoch=15)
    assert not torch.equal(scratch.model.encoder.rnn[0].weight_hh_l0, source.model.rnn[0].weight_hh_l0)
    assert all(p.requires_grad for n in names for p in scratch.model.group_parameters(n))


# ---------------------------------------------------------------- a run


def test_task_transfer_learns_a_separable_labelling(toy_tsv: Path, toy_source: Path) -> None:
    events = list(train_task(task_config(toy_tsv, toy_source)))
    done = events[-1]
    assert isinstance(done, DoneEvent), events[-1]
    assert set(done.valid) == set(done.test) == {"loss", "accuracy", "macro_f1"}
    assert done.test["accuracy"] >= 0.9 and done.test["macro_f1"] >= 0.9  # chance is 0.5
    evals = [e for e in events if isinstance(e, EvalEvent)]
    assert {e.split for e in evals} == {"valid", "test"}
    assert all(math.isnan(e.ppl) and "accuracy" in e.extra and "macro_f1" in e.extra for e in evals)
    run_dir = Path(done.run_dir)
    assert (run_dir / "run.toml").is_file()
    assert [e["event"] for e in read_events(run_dir)][-1] == "done"
    best = Path(done.best_checkpoint)
    assert (best / HEAD_FILE).is_file() and json.loads((best / LABELS_FILE).read_text())["labels"] == ["fruit", "tool"]
    loaded = load_classifier(best)
    ids, lengths, _ = pad_batch([loaded.tokenizer.encode_lines("apple mango pear plum")], [0])
    assert int(loaded.model(ids, lengths).argmax()) == 0
    assert isinstance(ckpt.load_model_folder(best).model, RNNLM)  # the encoder is an ordinary source model


def test_stop_request_ends_with_a_stopped_done_and_a_checkpoint(toy_tsv: Path, toy_source: Path) -> None:
    control = TrainControl()
    events = []
    for event in train_task(task_config(toy_tsv, toy_source, max_steps=500), control, pretrained=False):
        events.append(event)
        if event.kind == "step":
            control.stop()
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "stopped" and done.step == 10
    assert (Path(done.run_dir) / "checkpoints" / "last" / HEAD_FILE).is_file()


def test_a_stop_before_the_first_step_keeps_nothing(toy_tsv: Path, toy_source: Path, studio_home: Path) -> None:
    control = TrainControl()
    control.stop()
    events = list(train_task(task_config(toy_tsv, toy_source), control))
    assert [e.kind for e in events if e.kind in ("step", "done", "error")] == []
    assert RunStore().list() == [] and not any((studio_home / "runs").iterdir())


def test_a_run_that_cannot_be_built_leaves_no_run_behind(toy_tsv: Path, toy_source: Path, studio_home: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def unwritable(self: TrainConfig, path: Path) -> None:
        raise ConfigError(f"cannot write {path}")

    monkeypatch.setattr(TrainConfig, "save", unwritable)
    events = list(train_task(task_config(toy_tsv, toy_source)))
    assert [e.kind for e in events] == ["error"] and "cannot write" in events[0].message
    assert RunStore().list() == [] and not any((studio_home / "runs").iterdir())


def test_bad_labelled_data_yields_one_error_event(tmp_path: Path, toy_source: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("label\ttext\nonly\tone class here\n")
    events = list(train_task(task_config(bad, toy_source)))
    assert [e.kind for e in events] == ["error"] and "at least 2 classes" in events[0].message


def test_full_disk_during_a_task_checkpoint_is_one_error_event(toy_tsv: Path, toy_source: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(tensors, filename, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        raise OSError(errno.ENOSPC, "No space left on device", filename)

    monkeypatch.setattr(classify, "save_file", no_space)
    events = list(train_task(task_config(toy_tsv, toy_source, max_steps=40)))
    error = events[-1]
    assert error.kind == "error" and [e.kind for e in events].count("error") == 1
    assert "No space left on device" in error.message and "Free disk space" in error.message
    assert "start the run again" in error.message
    assert RunStore().list()[0].status == "failed"
