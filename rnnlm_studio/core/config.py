"""The one config dataclass per run, serialised to `run.toml`.

DESIGN.md asks for one place that defines a run's settings; the trainer, CLI, GUI and
run store all read this. Defaults are tuned for short budgets on a 2-core CPU (see the
README's benchmarks): small batches, many steps, AdamW, a subword vocabulary, tied
weights and bf16 autocast where the CPU supports it.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, give, option
from .validation import check_cache_size, check_fields, check_fractions

CELLS = ("lstm", "gru", "rnn_tanh", "rnn_relu")
TOKENIZER_KINDS = ("unigram", "bpe", "char", "word")
NEW_PIECES = ("compose", "mean", "random")  # core/vocab_map.py: how pieces a source lacks start
OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULES = ("constant", "cosine", "plateau", "slanted")
TRANSFERS = ("scratch", "structure", "parameter", "feature", "partial", "ulmfit", "task")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")
MOVES_WEIGHTS = ("parameter", "feature", "partial", "ulmfit", "task")
SCORING_FIELDS = ("cache_window", "cache_theta", "cache_lambda")  # how texts are scored: the run's, not the source's
AUTO_VOCAB = 0  # a vocabulary size nobody chose: a new tokenizer's follows the training text (tokenizer.py)
SCRATCH_LR = 8e-3
FINE_TUNE_LR = 2e-3


def default_lr(transfer: str) -> float:
    """The peak learning rate a run gets unless the user sets one.

    A rate that suits random weights (AdamW 8e-3, best for short budgets from scratch)
    knocks pretrained weights far from where they were in the first steps, so runs that
    start from a source's weights fine-tune at a quarter of it.
    """
    return FINE_TUNE_LR if transfer in MOVES_WEIGHTS else SCRATCH_LR


@dataclass
class ModelConfig:
    """Architecture; stored in a model folder's config.json."""

    cell: str = "lstm"
    vocab_size: int = AUTO_VOCAB  # a new tokenizer's pieces; a model's is always its tokenizer's
    emb_size: int = 256
    hidden_size: int = 512
    layers: int = 1
    tie_weights: bool = True
    dropout_emb: float = 0.0
    dropout_input: float = 0.1
    dropout_hidden: float = 0.1
    dropout_output: float = 0.1
    cache_window: int = 0  # neural cache (core/cache.py): adds cached_* figures beside the network's; 0 = off
    cache_theta: float = 5.0
    cache_lambda: float = 0.2

    def validate(self) -> None:
        if self.cell not in CELLS:
            raise ConfigError(f"unknown cell {self.cell!r}: choose one of {', '.join(CELLS)}")
        if not isinstance(self.tie_weights, bool):
            raise ConfigError(f"tie_weights must be true or false, got {self.tie_weights!r}")
        auto = ("vocab_size",) if self.vocab_size == AUTO_VOCAB else ()  # no size chosen: the text's decides
        check_fields(self, [f.name for f in dataclasses.fields(self) if f.name not in ("cell", "tie_weights", *auto)])
        check_cache_size(self.cache_window, self.hidden_size)


@dataclass
class TrainConfig:
    """Everything needed to reproduce a run."""

    train: list[str] = field(default_factory=list)
    valid: str | None = None
    test: str | None = None
    split: tuple[float, float, float] = (0.9, 0.05, 0.05)
    split_seed: int = 0

    tokenizer: str = "auto"  # auto | source | new
    tokenizer_kind: str = "unigram"
    new_pieces: str = "compose"  # compose | mean | random: how pieces the source lacks start (core/vocab_map.py)
    model: ModelConfig = field(default_factory=ModelConfig)

    source: str | None = None
    transfer: str = "scratch"
    transfer_layers: list[str] = field(default_factory=list)
    freeze: list[str] = field(default_factory=list)
    unfreeze_every: int = 0  # ulmfit: steps per unfrozen group; 0 = one group per epoch
    discriminative_factor: float = 2.6
    baseline: bool = False

    optimizer: str = "adamw"
    lr: float | None = None  # None: default_lr(transfer), so a matched scratch baseline gets its own rate
    weight_decay: float = 0.01
    clip: float = 0.5
    schedule: str = "cosine"
    warmup_steps: int = 50
    batch_size: int = 16
    bptt: int = 32
    var_bptt: bool = False

    epochs: float | None = None
    max_steps: int | None = None
    time_budget: float | None = None
    eval_every: int = 500
    eval_tokens: int = 50_000
    patience: int = 0

    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    threads: int = 0  # 0 = all cores
    name: str | None = None
    tensorboard: str | None = None  # a folder to write TensorBoard event files to while training
    output_dir: str | None = None  # where the run's folder goes (default: the data folder's runs/)

    def fill_budget(self) -> None:
        """A run with no budget at all (no epochs, steps or time) trains one epoch, whichever front door
        started it (the command line, the Python API), instead of training until stopped."""
        if self.epochs is None and self.max_steps is None and self.time_budget is None:
            self.epochs = 1.0

    def validate(self) -> None:
        self.model.validate()
        checks = {
            "tokenizer": (self.tokenizer, ("auto", "source", "new")),
            "tokenizer-kind": (self.tokenizer_kind, TOKENIZER_KINDS),
            "new-pieces": (self.new_pieces, NEW_PIECES),
            "optimizer": (self.optimizer, OPTIMIZERS),
            "schedule": (self.schedule, SCHEDULES),
            "transfer": (self.transfer, TRANSFERS),
            "device": (self.device, DEVICES),
            "precision": (self.precision, PRECISIONS),
        }
        for flag, (value, allowed) in checks.items():
            if value not in allowed:
                raise ConfigError(f"{option(flag.replace('-', '_'))} {value!r} is not one of: {', '.join(allowed)}")
        if not self.train:
            raise ConfigError(f"no training text: {give('train', 'FILE_OR_FOLDER')}")
        check_fields(self, [f.name for f in dataclasses.fields(self)])  # the numeric ones have rules
        if self.transfer != "scratch" and not self.source:
            raise ConfigError(f"{option('transfer')} {self.transfer} needs a source model: {give('source', 'MODEL')}")
        fractions = check_fractions(self.split, option("split"))
        if len(fractions) != 3 or fractions[0] <= 0 or abs(sum(fractions) - 1.0) > 1e-6:
            raise ConfigError(f"{option('split')} must be three non-negative fractions (train above 0) that sum to 1, "
                              f"got {self.split}")

    def target_model(self, vocab_size: int, source: ModelConfig | None) -> ModelConfig:
        """The architecture the run trains, from config.json alone (no torch), so the Model panel shows
        what the trainer builds: the run's own for scratch or with no source, else the source's with the
        run's vocabulary and scoring settings; feature transfer unties the output layer it trains."""
        if self.transfer == "scratch" or source is None:
            return dataclasses.replace(self.model, vocab_size=vocab_size)
        arch = dataclasses.replace(source, vocab_size=vocab_size,
                                   **{name: getattr(self.model, name) for name in SCORING_FIELDS})
        if self.transfer == "feature":
            arch.tie_weights = False
        return arch

    @property
    def peak_lr(self) -> float:
        return self.lr if self.lr is not None else default_lr(self.transfer)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["model"] = ModelConfig(**{k: v for k, v in dict(data.get("model", {})).items()
                                         if k in {f.name for f in dataclasses.fields(ModelConfig)}})
        if "split" in values:
            values["split"] = tuple(values["split"])
        return cls(**values)

    def save(self, path: Path) -> None:
        from .atomic import atomic_write_text

        atomic_write_text(path, to_toml(self.to_dict()))

    @classmethod
    def load(cls, path: Path) -> "TrainConfig":
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read run config {path}: {exc}; the run folder is damaged") from exc
        return cls.from_dict(data)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_toml(data: dict[str, Any]) -> str:
    """A tiny TOML writer for flat tables of scalars and lists (TOML has no null: None is omitted)."""
    lines: list[str] = []
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    for key, value in data.items():
        if value is None or isinstance(value, dict):
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables.items():
        lines.append(f"\n[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None)
    return "\n".join(lines) + "\n"

