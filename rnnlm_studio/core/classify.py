"""The `task` transfer type: a text classifier on a pretrained language model's encoder.

ULMFiT's recipe: the source's embedding + RNN stack reads the text, a small head reads
the concatenation of the last hidden state, a max-pool and a mean-pool over time, and
training unfreezes the encoder from the top down with discriminative learning rates
under a slanted triangular schedule. The same classifier with a randomly initialised
encoder (`pretrained=False`) is the scratch baseline the transfer is measured against.

Labelled data is either a folder with one subfolder per class, or a .tsv/.csv file with
`label` and `text` columns. Metrics are accuracy and macro-F1 instead of perplexity.

Per-token tagging (core/tagging.py) is the second task kind: the same run, batches, loss and
evaluation, with a head that reads the encoder's state at each word instead of the pooled text.
What differs between the kinds is a `TaskKind`; core/tasks.py picks one from the data.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F

from . import paths
from . import checkpoint as ckpt
from .config import TrainConfig
from .device import resolve_device
from .distributed import DistContext
from .corpus import Corpus
from .errors import ConfigError, CorpusError, ModelFileError, give, option
from .events import CheckpointEvent, EvalEvent, Event, LogEvent
from .model import RNNLM
from .runs import RunStore
from .schedule import LRSchedule, build_optimizer, discriminative_scales, unfrozen_count
from .tokenizer import Tokenizer
from .run_loop import RunLoop, TrainControl, built_or_forgotten, drive, set_threads, total_steps
from .config import check_layer_options
from .transfer import copy_tensors

LM_DEFAULT_SPLIT = TrainConfig().split
TASK_SPLIT = (0.8, 0.1, 0.1)  # a few hundred examples need larger held-out parts than an LM corpus
MAX_TOKENS = 256  # longer examples keep their start: the opening of a text usually gives its class away
BUCKET_BATCHES = 50  # batches per length-sorted bucket: little padding, still well shuffled
EVAL_BATCH = 64
HEAD_HIDDEN = 128
HEAD_DROPOUT = 0.2
HEAD_FILE = "classifier.safetensors"
LABELS_FILE = "labels.json"
TABLE_DELIMITERS = {".tsv": "\t", ".csv": ","}


# ---------------------------------------------------------------- labelled data


@dataclass
class LabelledData:
    """Examples with integer targets into `labels` (sorted class names)."""

    labels: list[str]
    texts: list[str]
    targets: list[int]
    origin: str
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> list[int]:
        tally = Counter(self.targets)
        return [tally[i] for i in range(len(self.labels))]

    def subset(self, indices: Sequence[int]) -> LabelledData:
        return LabelledData(self.labels, [self.texts[i] for i in indices], [self.targets[i] for i in indices],
                            self.origin)


def load_labelled(path: str | Path, *, min_classes: int = 2) -> LabelledData:
    """A folder of class subfolders, or a .tsv/.csv table with `label` and `text` columns.

    In a class folder every paragraph (blank-line separated) of every text file is one
    example, so a file without blank lines is one example and a file of paragraphs gives
    many: both ways of laying out a labelled corpus work without a switch.
    """
    path = paths.user_path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder; check the path of the labelled corpus")
    if path.is_dir():
        pairs, warnings = _folder_pairs(path, min_classes)
    elif path.suffix.lower() in TABLE_DELIMITERS:
        pairs, warnings = _table_pairs(path), []
    else:
        raise CorpusError(f"{path}: a labelled corpus must be a folder with one subfolder per class, or a .tsv/.csv "
                          "file with 'label' and 'text' columns; rename or convert the file")
    if not pairs:
        raise CorpusError(f"{path}: holds no labelled examples; add text to the class folders or rows to the table")
    labels = sorted({label for label, _ in pairs})
    if len(labels) < min_classes:
        raise CorpusError(f"{path}: a classifier needs at least {min_classes} classes but found {len(labels)} "
                          f"({', '.join(labels)}); add examples of another class")
    index = {label: i for i, label in enumerate(labels)}
    return LabelledData(labels, [text for _, text in pairs], [index[label] for label, _ in pairs], str(path),
                        warnings)


def _folder_pairs(root: Path, min_classes: int) -> tuple[list[tuple[str, str]], list[str]]:
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    warnings = [f"{p}: files directly in the labelled folder belong to no class; ignored"
                for p in sorted(root.iterdir()) if p.is_file() and not p.name.startswith(".")]
    if len(classes) < min_classes:
        raise CorpusError(f"{root}: a classifier needs at least {min_classes} classes but the folder has "
                          f"{len(classes)} subfolders; make one subfolder per class, each holding that class's "
                          "text files")
    pairs: list[tuple[str, str]] = []
    for folder in classes:
        if not any(p.is_file() for p in folder.rglob("[!.]*")):
            raise CorpusError(f"{folder}: class {folder.name!r} has no examples; put text files in it or remove "
                              "the folder")
        corpus = Corpus.open([folder])
        warnings += corpus.warnings
        pairs += [(folder.name, text) for text in corpus.iter_paragraphs()]
    return pairs, warnings


def _table_pairs(path: Path) -> list[tuple[str, str]]:
    """TSV is one row per line with no quoting (texts hold no tabs or newlines), so a text that
    starts with a quotation mark stays one row; CSV follows the usual quoting rules."""
    delimiter = TABLE_DELIMITERS[path.suffix.lower()]
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    csv.field_size_limit(1 << 24)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
            header = [name.strip().lower() for name in next(reader, [])]
            if "label" not in header or "text" not in header:
                found = ", ".join(repr(h) for h in header) or "nothing"
                raise CorpusError(f"{path}: the first line must name the columns 'label' and 'text' (found {found}); "
                                  f"add a header line such as label{'<TAB>' if delimiter == chr(9) else ','}text")
            label_col, text_col = header.index("label"), header.index("text")
            return [_table_row(path, reader.line_num, row, label_col, text_col) for row in reader
                    if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); re-save it as UTF-8") from None
    except csv.Error as err:
        raise CorpusError(f"{path}: not a valid {path.suffix[1:].upper()} file ({err}); "
                          "check its quoting") from None


def _table_row(path: Path, line: int, row: list[str], label_col: int, text_col: int) -> tuple[str, str]:
    if len(row) <= max(label_col, text_col) or not row[label_col].strip() or not row[text_col].strip():
        raise CorpusError(f"{path}, line {line}: every row needs a label and a text; fill in or delete that row")
    return row[label_col].strip(), row[text_col]


def stratified_split(data: LabelledData, fractions: Sequence[float], seed: int) -> dict[str, LabelledData]:
    """Each class split alike, so a small class is never missing from validation by bad luck."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[int]] = {"train": [], "valid": [], "test": []}
    targets = np.asarray(data.targets)
    for label in range(len(data.labels)):
        members = rng.permutation(np.flatnonzero(targets == label)).tolist()
        n_valid = min(len(members) - 1, round(len(members) * fractions[1]))
        n_test = min(len(members) - 1 - n_valid, round(len(members) * fractions[2]))
        parts["valid"] += members[:n_valid]
        parts["test"] += members[n_valid:n_valid + n_test]
        parts["train"] += members[n_valid + n_test:]
    if not parts["valid"]:
        raise CorpusError(f"{data.origin}: too few examples per class to hold out a validation set; "
                          f"add examples, or {give('valid', 'FILE')} (a labelled validation file)")
    return {name: data.subset(sorted(indices)) for name, indices in parts.items()}


def aligned(data: LabelledData, labels: list[str]) -> LabelledData:
    """A validation/test set re-indexed onto the training classes; unknown classes are refused."""
    unknown = sorted(set(data.labels) - set(labels))
    if unknown:
        raise CorpusError(f"{data.origin}: classes {', '.join(map(repr, unknown))} do not occur in the training data "
                          f"({', '.join(labels)}); remove them or add training examples")
    index = {label: i for i, label in enumerate(labels)}
    return LabelledData(labels, data.texts, [index[data.labels[t]] for t in data.targets], data.origin,
                        data.warnings)


def task_splits(config: TrainConfig) -> tuple[dict[str, LabelledData | None], list[str]]:
    """Explicit --valid/--test win, as for a language model; otherwise a stratified split.

    The LM's default split (90/5/5) is replaced by 80/10/10: with a few hundred examples
    5% would leave a validation set too small to rank checkpoints.
    """
    loaded = [load_labelled(path) for path in config.train]
    train = loaded[0]
    for extra in loaded[1:]:
        train = _merge(train, extra)
    warnings = [w for data in loaded for w in data.warnings]
    if config.valid:
        valid = aligned(load_labelled(config.valid, min_classes=1), train.labels)
        test = aligned(load_labelled(config.test, min_classes=1), train.labels) if config.test else None
        return {"train": train, "valid": valid, "test": test}, warnings
    fractions = TASK_SPLIT if tuple(config.split) == tuple(LM_DEFAULT_SPLIT) else config.split
    parts: dict[str, LabelledData | None] = dict(stratified_split(train, fractions, config.split_seed))
    if config.test:
        parts["test"] = aligned(load_labelled(config.test, min_classes=1), train.labels)
    elif not parts["test"].texts:
        parts["test"] = None
    return parts, warnings


def _merge(a: LabelledData, b: LabelledData) -> LabelledData:
    labels = sorted(set(a.labels) | set(b.labels))
    index = {label: i for i, label in enumerate(labels)}
    targets = [index[a.labels[t]] for t in a.targets] + [index[b.labels[t]] for t in b.targets]
    return LabelledData(labels, a.texts + b.texts, targets, f"{a.origin} + {b.origin}")


# ---------------------------------------------------------------- encoding and batches


IGNORE = -100  # a padded target: cross-entropy and the metrics skip it


@dataclass
class EncodedSet:
    """Token ids per example, with a label per example, or (tagging) a label per word read at `positions`."""

    ids: list[list[int]]
    targets: list
    truncated: int = 0  # examples cut to the token limit
    positions: list[list[int]] | None = None  # tagging: the index of each word's last piece

    @property
    def tokens(self) -> int:
        return sum(len(x) for x in self.ids)


def encode_examples(tokenizer: Tokenizer, data: LabelledData, max_tokens: int = MAX_TOKENS) -> EncodedSet:
    full = [tokenizer.encode_lines(text) for text in data.texts]
    ids = [x[:max_tokens] or [tokenizer.eos_id] for x in full]
    return EncodedSet(ids, list(data.targets), sum(len(x) > max_tokens for x in full))


Batch = tuple[torch.Tensor, ...]  # ids [B, T], lengths [B], targets [B] (tagging: [B, W], then positions [B, W])


def _padded(rows: Sequence[Sequence[int]], fill: int) -> torch.Tensor:
    out = torch.full((len(rows), max(len(row) for row in rows)), fill, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, :len(row)] = torch.as_tensor(row, dtype=torch.long)
    return out


def pad_batch(examples: Sequence[Sequence[int]], targets: Sequence, positions: Sequence[Sequence[int]] | None = None
              ) -> Batch:
    """Right padding: a left-to-right RNN's outputs at real positions never see the padding. A tagging
    batch pads its word targets with IGNORE and adds the word positions."""
    lengths = torch.tensor([len(x) for x in examples], dtype=torch.long)
    ids = _padded(examples, 0)
    if positions is None:
        return ids, lengths, torch.as_tensor(np.asarray(targets), dtype=torch.long)
    return ids, lengths, _padded(targets, IGNORE), _padded(positions, 0)


def batch_of(data: EncodedSet, indices: Sequence[int]) -> Batch:
    positions = None if data.positions is None else [data.positions[i] for i in indices]
    return pad_batch([data.ids[i] for i in indices], [data.targets[i] for i in indices], positions)


def train_batches(data: EncodedSet, batch_size: int, seed: int) -> list[Batch]:
    """One epoch: shuffled, then sorted by length within buckets so batches carry little padding."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(data.ids))
    bucket = batch_size * BUCKET_BATCHES
    chunks = []
    for start in range(0, len(order), bucket):
        part = sorted(order[start:start + bucket], key=lambda i: len(data.ids[i]))
        chunks += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    return [batch_of(data, chunks[c]) for c in rng.permutation(len(chunks))]


def eval_batches(data: EncodedSet, batch_size: int = EVAL_BATCH) -> Iterator[Batch]:
    order = sorted(range(len(data.ids)), key=lambda i: len(data.ids[i]))
    for start in range(0, len(order), batch_size):
        yield batch_of(data, order[start:start + batch_size])


# ---------------------------------------------------------------- metrics


def confusion_matrix(targets: Sequence[int], predictions: Sequence[int], n_classes: int) -> np.ndarray:
    """Rows are true classes, columns predicted ones."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(targets), np.asarray(predictions)), 1)
    return matrix


def classification_metrics(matrix: np.ndarray) -> dict[str, float]:
    """Accuracy and macro-F1; F1 is averaged over the classes that occur in truth or prediction,
    since a class that never occurs has no defined F1 (a small validation split may lack one)."""
    tp = np.diag(matrix).astype(float)
    fp, fn = matrix.sum(axis=0) - tp, matrix.sum(axis=1) - tp
    present = (tp + fp + fn) > 0
    f1 = 2 * tp[present] / (2 * tp[present] + fp[present] + fn[present])
    total = matrix.sum()
    return {"accuracy": float(tp.sum() / total) if total else math.nan,
            "macro_f1": float(f1.mean()) if present.any() else math.nan}


# ---------------------------------------------------------------- the model


class TaskClassifier(nn.Module):
    """Encoder (an RNNLM's embedding + RNN stack) -> concat pooling -> MLP head."""

    features = 3  # hidden states the head reads side by side: last, max and mean

    def __init__(self, encoder: RNNLM, n_classes: int, hidden: int = HEAD_HIDDEN,
                 dropout: float = HEAD_DROPOUT) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Sequential(nn.Linear(self.features * encoder.config.hidden_size, hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, n_classes))
        for param in encoder.layer_parameters("output"):
            param.requires_grad_(False)  # the LM's output layer is kept for reuse but never trained here

    def pool(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """[last hidden state, max over time, mean over time] of the real (unpadded) positions."""
        outputs, _ = self.encoder.encode(ids)
        lengths = lengths.to(outputs.device)
        mask = (torch.arange(outputs.size(1), device=outputs.device)[None, :] < lengths[:, None]).unsqueeze(-1)
        last = outputs[torch.arange(outputs.size(0), device=outputs.device), lengths - 1]
        biggest = outputs.masked_fill(~mask, -torch.inf).amax(dim=1)
        mean = (outputs * mask).sum(dim=1) / lengths[:, None].to(outputs.dtype)
        return torch.cat([last, biggest, mean], dim=-1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(ids, lengths))

    def group_names(self) -> list[str]:
        """Unfreezing groups, bottom to top: embedding, rnn.0 .. rnn.N-1, head."""
        return [n for n in self.encoder.layer_names() if n != "output"] + ["head"]

    def group_parameters(self, group: str) -> list[nn.Parameter]:
        return list(self.head.parameters()) if group == "head" else self.encoder.layer_parameters(group)

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Parameters the classifier uses (the LM's unused output layer is not counted)."""
        return sum(p.numel() for g in self.group_names() for p in self.group_parameters(g)
                   if p.requires_grad or not trainable_only)


class TaskKind:
    """What a task kind decides: its data, its model, its figures. This one labels whole texts;
    core/tagging.py's labels each word."""

    name = "classify"
    model_class: type[TaskClassifier] = TaskClassifier
    metric_names = ("accuracy", "macro_f1")

    def prepare(self, config: TrainConfig, tokenizer: Tokenizer) -> TaskData:
        return prepare_task_data(config, tokenizer)

    def metrics(self, truth: list[list[int]], predicted: list[list[int]], labels: list[str]) -> dict[str, float]:
        """Accuracy and macro-F1 over every target; `truth` and `predicted` hold one row per example."""
        flat_truth = [t for row in truth for t in row]
        flat_predicted = [p for row in predicted for p in row]
        return classification_metrics(confusion_matrix(flat_truth, flat_predicted, len(labels)))


CLASSIFY = TaskKind()


@dataclass
class LoadedClassifier:
    model: TaskClassifier
    tokenizer: Tokenizer
    labels: list[str]
    max_tokens: int
    kind: str = "classify"  # or "tag": a per-token tagger (core/tagging.py)


def head_writers(classifier: TaskClassifier, labels: list[str], kind: str = CLASSIFY.name) -> dict[str, object]:
    """Extra files of a classifier checkpoint: the head's weights and what is needed to rebuild it."""
    state = {k: v.detach().float().cpu().contiguous() for k, v in classifier.head.state_dict().items()}
    meta = {"labels": labels, "head_hidden": classifier.head[0].out_features, "max_tokens": MAX_TOKENS, "kind": kind}
    return {HEAD_FILE: lambda p: save_file(state, str(p)),
            LABELS_FILE: lambda p: p.write_text(json.dumps(meta, indent=2), encoding="utf-8")}


def load_classifier(folder: str | Path, device: str | torch.device = "cpu",
                    kinds: dict[str, TaskKind] | None = None) -> LoadedClassifier:
    """A task checkpoint: an ordinary model folder (the encoder) plus the head's two files; `kinds` are
    the task kinds it may be (core/tasks.py knows them all)."""
    folder = Path(folder)
    kinds = kinds or {CLASSIFY.name: CLASSIFY}
    loaded = ckpt.load_model_folder(folder, device)
    try:
        meta = json.loads((folder / LABELS_FILE).read_text(encoding="utf-8"))
        kind = kinds[meta.get("kind", CLASSIFY.name)]
        state = load_file(str(folder / HEAD_FILE))
        model = kind.model_class(loaded.model, len(meta["labels"]), int(meta["head_hidden"]))
        model.head.load_state_dict(state)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise ModelFileError(f"{folder} is not a classifier checkpoint ({err}); point at the checkpoint of a "
                             "--transfer task run") from None
    return LoadedClassifier(model.to(device).eval(), loaded.tokenizer, list(meta["labels"]),
                            int(meta.get("max_tokens", MAX_TOKENS)), kind.name)


# ---------------------------------------------------------------- schedule


@dataclass
class TaskSetup:
    """Optimiser groups and ULMFiT's gradual unfreezing (head first, one more group each period)."""

    model: TaskClassifier
    groups: list[dict]
    unfreeze: list[str] = field(default_factory=list)
    steps_per_group: int = 0

    def before_step(self, step: int) -> None:
        if not self.unfreeze:
            return
        k = unfrozen_count(step, len(self.unfreeze), self.steps_per_group)
        for i, group in enumerate(self.unfreeze):
            for param in self.model.group_parameters(group):
                param.requires_grad_(i >= len(self.unfreeze) - k)


def build_classifier(config: TrainConfig, source: ckpt.LoadedModel, n_classes: int, pretrained: bool,
                     steps_per_epoch: int, kind: TaskKind = CLASSIFY) -> tuple[TaskSetup, list[str]]:
    """Transfer: source encoder, discriminative LRs, gradual unfreezing. Scratch: random encoder of
    the same architecture, every group trained at the base LR from the first step."""
    torch.manual_seed(config.seed)
    config.model = dataclasses.replace(source.model.config)
    encoder = RNNLM(config.model)
    arch = f"{config.model.layers}x{config.model.hidden_size} {config.model.cell}, embedding {config.model.emb_size}"
    if pretrained:
        copy_tensors(source.model.cpu(), encoder, encoder.layer_names())
        message = f"task transfer from {source.name}: its encoder ({arch}) under a new {n_classes}-class head"
    else:
        message = f"scratch classifier: a randomly initialised {arch} encoder with {source.name}'s tokenizer"
    model = kind.model_class(encoder, n_classes)
    names = model.group_names()
    if not pretrained:
        return TaskSetup(model, [{"params": [p for n in names for p in model.group_parameters(n)]}]), [message]
    scales = discriminative_scales(len(names), config.discriminative_factor)
    setup = TaskSetup(model, [{"params": model.group_parameters(n), "lr_scale": s} for n, s in zip(names, scales)],
                      unfreeze=names, steps_per_group=config.unfreeze_every or steps_per_epoch)
    setup.before_step(0)
    return setup, [message]


# ---------------------------------------------------------------- the run


@dataclass
class TaskData:
    tokenizer: Tokenizer
    labels: list[str]
    train: EncodedSet
    valid: EncodedSet
    test: EncodedSet | None
    train_bytes: int
    warnings: list[str]
    messages: list[str]


def prepare_task_data(config: TrainConfig, tokenizer: Tokenizer) -> TaskData:
    parts, warnings = task_splits(config)
    train = parts["train"]
    encoded = {name: encode_examples(tokenizer, data) if data is not None else None for name, data in parts.items()}
    counts = ", ".join(f"{label} {n}" for label, n in zip(train.labels, train.counts()))
    sizes = " / ".join(f"{len(d.texts)} {name}" for name, d in parts.items() if d is not None)
    messages = [f"labelled data: {len(train.labels)} classes ({counts}); {sizes} examples"]
    if encoded["train"].truncated:
        messages.append(f"{encoded['train'].truncated} training examples are longer than {MAX_TOKENS} tokens: "
                        "only their start is read")
    return TaskData(tokenizer, train.labels, encoded["train"], encoded["valid"], encoded["test"],
                    sum(len(t.encode("utf-8")) for t in train.texts), warnings, messages)


class TaskRun(RunLoop):
    """One classifier run: a case of the run loop (core/run_loop.py); `events()` drives it to the end.

    Not resumable, so it writes "last" only when stopped; "better" is higher accuracy, with the
    loss breaking the frequent ties of a small validation set.
    """

    resumable = False

    def __init__(self, config: TrainConfig, run_dir: Path, run_id: str, store: RunStore, data: TaskData,
                 setup: TaskSetup, messages: list[str], kind: TaskKind = CLASSIFY) -> None:
        self.config, self.run_dir, self.run_id, self.store, self.data = config, run_dir, run_id, store, data
        self.kind = kind
        self.dist = DistContext()
        self.device, self.precision = resolve_device(config)
        self.setup = setup
        self.model = setup.model.to(self.device)
        self.messages = messages
        self.optimizer = build_optimizer(setup.groups, config.optimizer, config.peak_lr, config.weight_decay)
        self.schedule = LRSchedule("slanted")
        self.steps_per_epoch = math.ceil(len(data.train.ids) / config.batch_size)
        self.eval_every = min(config.eval_every, self.steps_per_epoch) if config.eval_every else None
        self.auto_eval_every = min(self.auto_eval_every, self.steps_per_epoch)  # at least once an epoch
        self.total_steps = total_steps(config, self.steps_per_epoch)
        self._init_progress()

    # --- the run loop's hooks ------------------------------------------------------------------
    def notes(self) -> list[LogEvent]:
        return ([LogEvent(level="warning", message=message) for message in self.data.warnings]
                + [LogEvent(level="info", message=message) for message in self.data.messages + self.messages])

    def train_tokens(self) -> int:
        return self.data.train.tokens

    def epoch_batches(self) -> list[Batch]:
        return train_batches(self.data.train, self.config.batch_size, self.config.seed + self.epoch)

    def _logits(self, batch: Batch) -> torch.Tensor:
        """[B, classes], or a tagger's [B, W, tags]; a tagging batch's positions follow its targets."""
        ids, lengths, _targets, *positions = batch
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            return self.model(ids.to(self.device, non_blocking=True), lengths,
                              *(p.to(self.device, non_blocking=True) for p in positions)).float()

    def loss_of(self, batch: Batch) -> tuple[torch.Tensor, int]:
        logits, targets = self._logits(batch), batch[2].to(self.device, non_blocking=True)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=IGNORE)
        return loss, int(batch[1].sum())

    def measure(self, split: str, final: bool) -> dict[str, float]:
        return self.evaluate(getattr(self.data, split))

    def score(self, metrics: dict[str, float]) -> tuple[float, float]:
        return metrics["accuracy"], -metrics["loss"]

    @torch.inference_mode()
    def evaluate(self, data: EncodedSet) -> dict[str, float]:
        """Mean cross-entropy per target, and the kind's figures (accuracy, F1s) of one labelled set."""
        self.model.eval()
        total, count, truth, predicted = 0.0, 0, [], []
        for batch in eval_batches(data):
            logits, target = self._logits(batch), batch[2].to(self.device)
            total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=IGNORE,
                                     reduction="sum").item()
            count += int((target != IGNORE).sum())
            rows, guesses = target.reshape(len(target), -1).tolist(), logits.argmax(dim=-1).reshape(len(target), -1)
            for row, guess in zip(rows, guesses.tolist()):
                truth.append([t for t in row if t != IGNORE])
                predicted.append([g for t, g in zip(row, guess) if t != IGNORE])
        return {"loss": total / max(count, 1), **self.kind.metrics(truth, predicted, self.data.labels)}

    def eval_event(self, split: str, metrics: dict[str, float], is_best: bool = False,
                   final: bool = False) -> EvalEvent:
        extra = {**{k: metrics[k] for k in self.kind.metric_names if k in metrics}, **({"final": 1.0} if final else {})}
        return EvalEvent(step=self.step, tokens_seen=self.tokens_seen, elapsed=self.elapsed, split=split,
                         loss=metrics["loss"], ppl=math.nan, word_ppl=math.nan, bpb=math.nan, is_best=is_best,
                         extra=extra)

    def save(self, tag: str, metrics: dict | None = None) -> CheckpointEvent:
        folder = self.run_dir / "checkpoints" / tag
        provenance = {"run_id": self.run_id, "train": self.config.train, "step": self.step,
                      "tokens_seen": self.tokens_seen, "source": self.config.source, "transfer": "task"}
        writers = head_writers(self.model, self.data.labels, self.kind.name)
        if tag == "last":
            state = {"step": self.step, "epoch": self.epoch, "tokens_seen": self.tokens_seen,
                     "elapsed": self.elapsed, "best_valid": self.best_valid}
            writers |= ckpt.training_state_writers(state, self.optimizer, {"rng.cpu": torch.get_rng_state()})
        ckpt.save_model_folder(folder, self.model.encoder, self.data.tokenizer, provenance=provenance,
                               metrics={"valid": metrics or self.best_valid}, extra_files=writers)
        return CheckpointEvent(step=self.step, path=str(folder), tag=tag)

    def load_best(self) -> None:
        best = self.run_dir / "checkpoints" / "best"
        if (best / HEAD_FILE).is_file():
            loaded = load_classifier(best, self.device, {self.kind.name: self.kind})
            self.model.load_state_dict(loaded.model.state_dict())

    def divergence_advice(self) -> str:
        return f"Lower {option('lr')} (now {self.config.peak_lr:g}); the best checkpoint is kept"

    def done_metrics(self, metrics: dict) -> dict:
        return {k: metrics[k] for k in ("loss", *self.kind.metric_names) if k in metrics}


def _open(config: TrainConfig, store: RunStore, pretrained: bool, kind: TaskKind) -> TaskRun:
    config.validate()
    config.fill_budget()
    if config.tokenizer == "new":
        raise ConfigError(f"{option('tokenizer')} new does not apply to {option('transfer')} task: the classifier "
                          f"reads text with the source's tokenizer; leave {option('tokenizer')} at auto")
    source = ckpt.load_model(config.source)
    check_layer_options(config, source.model.config)
    data = kind.prepare(config, source.tokenizer)
    steps_per_epoch = math.ceil(len(data.train.ids) / config.batch_size)
    setup, messages = build_classifier(config, source, len(data.labels), pretrained, steps_per_epoch, kind)
    record = store.create(name=config.name, config=config.to_dict(), source=config.source,
                          transfer="task" if pretrained else "task-scratch",
                          data_bytes=data.train_bytes,
                          tokenizer=data.tokenizer.fingerprint())

    def build() -> TaskRun:
        config.save(record.run_dir / "run.toml")
        return TaskRun(config, record.run_dir, record.id, store, data, setup, messages, kind)

    return built_or_forgotten(build, store, record.id, DistContext())


def train_task(config: TrainConfig, control: TrainControl | None = None, *,
               pretrained: bool = True, kind: TaskKind = CLASSIFY) -> Iterator[Event]:
    """Train (pretrained=True) a task-transfer classifier or (False) its scratch twin; never raises
    for bad input. core/tasks.py chooses `kind` from the data."""
    control = control or TrainControl()
    store = RunStore()
    set_threads(config)
    yield from drive(lambda: _open(config, store, pretrained, kind), store, control,
                     disk_fix="start the run again")
