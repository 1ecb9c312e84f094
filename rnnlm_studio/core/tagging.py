"""Per-token tagging, the second task kind: a label for every word (part of speech, named entities).

Data is two columns, `token<TAB>label`, one word a line, with a blank line between sentences
(the CoNLL layout). Each word is read as the tokenizer's pieces and the head reads the encoder's
state at the word's last piece, which a left-to-right RNN reaches having read the whole word.
Figures: token accuracy, macro-F1 over the tags, and, when the tags follow BIO (`O`, `B-X`,
`I-X`), entity-level F1 with exact span matches, as seqeval (conlleval) counts them.

The run itself is the task run of core/classify.py: only the data, the head and the figures differ.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import paths
from .classify import (LM_DEFAULT_SPLIT, MAX_TOKENS, TASK_SPLIT, EncodedSet, LoadedClassifier, TaskClassifier,
                       TaskData, TaskKind, pad_batch)
from .config import TrainConfig
from .errors import CorpusError, give
from .tokenizer import Tokenizer

SNIFF_LINES = 50  # lines read to tell a tagging file from a labelled table
LAYOUT = ("a tagging file has one token and its label per line, separated by a tab (token<TAB>label), "
          "with a blank line between sentences")


# ---------------------------------------------------------------- data


@dataclass
class TaggedData:
    """Sentences of words, each word with an index into `labels` (sorted tag names)."""

    labels: list[str]
    sentences: list[list[str]]
    tags: list[list[int]]
    origin: str


def is_tagged_file(path: str | Path) -> bool:
    """Whether `path` is laid out for tagging: a file (not .csv) whose first lines are all a token and a
    label, neither with spaces, split by a tab. A labelled table's header (`label`, `text`) or its texts,
    which hold spaces, tell it apart; a folder is always class folders."""
    path = paths.user_path(path)
    if not path.is_file() or path.suffix.lower() == ".csv":
        return False
    try:
        with open(path, encoding="utf-8-sig") as handle:
            lines = [line.rstrip("\r\n") for _, line in zip(range(SNIFF_LINES), handle)]
    except (OSError, UnicodeDecodeError):
        return False
    rows = [line.split("\t") for line in lines if line.strip()]
    if not rows or {cell.strip().lower() for cell in rows[0]} >= {"label", "text"}:
        return False
    return all(len(row) == 2 and all(cell.strip() and " " not in cell.strip() for cell in row) for row in rows)


def load_tagged(path: str | Path, labels: list[str] | None = None) -> TaggedData:
    """Read a tagging file; with `labels` (the training tags) a tag they lack is refused."""
    path = paths.user_path(path)
    sentences, tags = _read_sentences(path)
    if not sentences:
        raise CorpusError(f"{path}: holds no tagged tokens; {LAYOUT}")
    found = sorted({tag for sentence in tags for tag in sentence})
    if labels is None:
        if len(found) < 2:
            raise CorpusError(f"{path}: a tagger needs at least 2 different labels but found {len(found)} "
                              f"({', '.join(found)}); label the tokens with their classes")
        labels = found
    unknown = sorted(set(found) - set(labels))
    if unknown:
        raise CorpusError(f"{path}: labels {', '.join(map(repr, unknown))} do not occur in the training data "
                          f"({', '.join(labels)}); remove them or add training sentences with them")
    index = {label: i for i, label in enumerate(labels)}
    return TaggedData(labels, sentences, [[index[t] for t in sentence] for sentence in tags], str(path))


def _read_sentences(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    sentences: list[list[str]] = [[]]
    tags: list[list[str]] = [[]]
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    if sentences[-1]:
                        sentences.append([])
                        tags.append([])
                    continue
                cells = line.split("\t")
                if len(cells) != 2 or not cells[0].strip() or not cells[1].strip():
                    raise CorpusError(f"{path}, line {number}: {LAYOUT}; fix or delete that line")
                sentences[-1].append(cells[0].strip())
                tags[-1].append(cells[1].strip())
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); re-save it as UTF-8") from None
    if not sentences[-1]:
        sentences.pop()
        tags.pop()
    return sentences, tags


def split_sentences(data: TaggedData, fractions: Sequence[float], seed: int) -> dict[str, TaggedData]:
    """Sentences shuffled and cut by the fractions; validation gets at least one."""
    order = np.random.default_rng(seed).permutation(len(data.sentences)).tolist()
    n_valid = max(1, round(len(order) * fractions[1]))
    n_test = round(len(order) * fractions[2])
    if len(order) - n_valid - n_test < 1:
        raise CorpusError(f"{data.origin}: too few sentences ({len(order)}) to hold out a validation set; "
                          f"add sentences, or {give('valid', 'FILE')} (a tagged validation file)")
    cuts = {"valid": order[:n_valid], "test": order[n_valid:n_valid + n_test], "train": order[n_valid + n_test:]}
    return {name: TaggedData(data.labels, [data.sentences[i] for i in sorted(part)],
                             [data.tags[i] for i in sorted(part)], data.origin) for name, part in cuts.items()}


def encode_words(tokenizer: Tokenizer, words: Sequence[str], max_tokens: int | None = MAX_TOKENS
                 ) -> tuple[list[int], list[int]]:
    """A sentence's piece ids and the index of each word's last piece; words past `max_tokens` pieces are
    left out (their positions are not returned)."""
    ids: list[int] = []
    positions: list[int] = []
    for pieces in tokenizer.encode_many(list(words)):
        ids += pieces or [tokenizer.eos_id]
        if max_tokens is not None and len(ids) > max_tokens:
            return ids[:max_tokens], positions
        positions.append(len(ids) - 1)
    return ids, positions


def encode_tagged(tokenizer: Tokenizer, data: TaggedData) -> EncodedSet:
    ids, positions, targets, truncated = [], [], [], 0
    for words, tags in zip(data.sentences, data.tags):
        sentence_ids, sentence_positions = encode_words(tokenizer, words)
        truncated += len(sentence_positions) < len(words)
        ids.append(sentence_ids)
        positions.append(sentence_positions)
        targets.append(tags[:len(sentence_positions)])
    return EncodedSet(ids, targets, truncated, positions)


def prepare_tag_data(config: TrainConfig, tokenizer: Tokenizer) -> TaskData:
    """Explicit --valid/--test win; otherwise the sentences are split 80/10/10 (or by --split)."""
    train = _merged([load_tagged(path) for path in config.train])
    if config.valid:
        parts = {"train": train, "valid": load_tagged(config.valid, train.labels),
                 "test": load_tagged(config.test, train.labels) if config.test else None}
    else:
        fractions = TASK_SPLIT if tuple(config.split) == tuple(LM_DEFAULT_SPLIT) else config.split
        parts = dict(split_sentences(train, fractions, config.split_seed))
        parts["test"] = (load_tagged(config.test, train.labels) if config.test
                         else parts["test"] if parts["test"].sentences else None)
    encoded = {name: encode_tagged(tokenizer, data) if data is not None else None for name, data in parts.items()}
    counts = Counter(tag for sentence in parts["train"].tags for tag in sentence)
    sizes = " / ".join(f"{len(d.sentences)} {name}" for name, d in parts.items() if d is not None)
    tally = ", ".join(f"{label} {counts[i]}" for i, label in enumerate(train.labels))
    messages = [f"tagged data: {len(train.labels)} labels ({tally}); {sizes} sentences"
                + ("; entity F1 is reported (the labels follow BIO)" if is_bio(train.labels) else "")]
    if encoded["train"].truncated:
        messages.append(f"{encoded['train'].truncated} training sentences are longer than {MAX_TOKENS} tokens: "
                        "only their start is read")
    train_bytes = sum(len(" ".join(words).encode("utf-8")) for words in parts["train"].sentences)
    return TaskData(tokenizer, train.labels, encoded["train"], encoded["valid"], encoded["test"], train_bytes, [],
                    messages)


def _merged(parts: list[TaggedData]) -> TaggedData:
    labels = sorted({label for part in parts for label in part.labels})
    index = {label: i for i, label in enumerate(labels)}
    return TaggedData(labels, [s for part in parts for s in part.sentences],
                      [[index[part.labels[t]] for t in tags] for part in parts for tags in part.tags],
                      " + ".join(part.origin for part in parts))


# ---------------------------------------------------------------- BIO entities


def is_bio(labels: Sequence[str]) -> bool:
    """Tags follow BIO when each is `O`, `B-TYPE` or `I-TYPE`, and at least one names a type."""
    typed = [label for label in labels if label[:2] in ("B-", "I-") and len(label) > 2]
    return bool(typed) and all(label == "O" or label in typed for label in labels)


def entity_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """(type, start, end) of each entity, as conlleval and seqeval's default mode read BIO: an entity
    starts at `B-X`, or at an `I-X` that does not continue an X entity, and ends before any other tag."""
    spans: set[tuple[str, int, int]] = set()
    start, kind = None, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, name = tag[:2], tag[2:]
        if start is not None and (prefix != "I-" or name != kind):
            spans.add((kind, start, i))
            start = None
        if prefix == "B-" or (prefix == "I-" and start is None):
            start, kind = i, name
    return spans


def entity_f1(truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Micro-averaged F1 over entities, a predicted entity counting only when type and span match exactly;
    nan when neither side has an entity."""
    hits = found = wanted = 0
    for true_tags, guessed_tags in zip(truth, predicted):
        true_spans, guessed_spans = entity_spans(true_tags), entity_spans(guessed_tags)
        hits += len(true_spans & guessed_spans)
        found += len(guessed_spans)
        wanted += len(true_spans)
    if found + wanted == 0:
        return float("nan")
    return 2 * hits / (found + wanted)


# ---------------------------------------------------------------- the model and the kind


class TaskTagger(TaskClassifier):
    """Encoder -> the state at each word's last piece -> the MLP head: a label per word."""

    features = 1

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """ids [B, T], positions [B, W] -> logits [B, W, labels]."""
        outputs, _ = self.encoder.encode(ids)
        states = outputs.gather(1, positions.unsqueeze(-1).expand(-1, -1, outputs.size(-1)))
        return self.head(states)


class TagKind(TaskKind):
    name = "tag"
    model_class = TaskTagger
    metric_names = ("accuracy", "macro_f1", "entity_f1")

    def prepare(self, config: TrainConfig, tokenizer: Tokenizer) -> TaskData:
        return prepare_tag_data(config, tokenizer)

    def metrics(self, truth: list[list[int]], predicted: list[list[int]], labels: list[str]) -> dict[str, float]:
        """Token accuracy and macro-F1 over the tags; entity F1 too when the tags follow BIO."""
        figures = super().metrics(truth, predicted, labels)
        if is_bio(labels):
            figures["entity_f1"] = entity_f1([[labels[t] for t in row] for row in truth],
                                             [[labels[p] for p in row] for row in predicted])
        return figures


TAG = TagKind()


@torch.inference_mode()
def tag_lines(loaded: LoadedClassifier, texts: Sequence[str]) -> list[list[tuple[str, str, float]]]:
    """Each text's whitespace words with their most probable tag and its probability."""
    device = next(loaded.model.parameters()).device
    results = []
    for text in texts:
        words = text.split()
        if not words:  # nothing to tag, and an RNN cannot read zero tokens
            results.append([])
            continue
        ids, positions = encode_words(loaded.tokenizer, words, None)
        batch = pad_batch([ids], [[0] * len(positions)], [positions])
        logits = loaded.model(batch[0].to(device), batch[1], batch[3].to(device))[0]
        best = torch.softmax(logits.float(), dim=-1).max(dim=-1)
        results.append([(word, loaded.labels[i], p) for word, i, p in zip(words, best.indices.tolist(),
                                                                            best.values.tolist())])
    return results
