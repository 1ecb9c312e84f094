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

from .errors import ConfigError, TransferError, give, option
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
MULTI_SOURCES = ("average", "mixture", "chain")  # core/multi_source.py: several --source at once
MAPPINGS = ("none", "embedding", "lowrank")  # core/mapping.py: a learned residual T over frozen source weights
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
    extra_sources: list[str] = field(default_factory=list)  # the second and later --source (multi_source)
    multi_source: str | None = None  # average | mixture | chain: how several sources combine
    source_weights: list[float] = field(default_factory=list)  # average: one weight per source; empty = equal
    mapping: str = "none"  # none | embedding | lowrank: train only a residual T over the frozen source
    rank: int | None = None  # the mapping's rank; None: a full d x d T (embedding) or DEFAULT_RANK (lowrank)
    transfer: str = "scratch"
    transfer_layers: list[str] = field(default_factory=list)
    freeze: list[str] = field(default_factory=list)
    feature_layer: int | None = None  # feature: the source layer (rnn.N) read; None = the top one
    unfreeze_every: int = 0  # ulmfit: steps per unfrozen group; 0 = one group per epoch
    discriminative_factor: float = 2.6
    baseline: bool = False

    optimizer: str = "adamw"
    lr: float | None = None  # None: default_lr(transfer), so a matched scratch baseline gets its own rate
    weight_decay: float = 0.01
    clip: float = 0.5
    schedule: str = "cosine"
    warmup_steps: int = 50
    average_from: float | None = None  # share of the budget after which the kept weights are a running mean
    batch_size: int = 16
    bptt: int = 32
    var_bptt: bool = False

    epochs: float | None = None
    max_steps: int | None = None
    time_budget: float | None = None
    eval_every: int | None = None  # steps between evaluations; None: a schedule tied to the budget (run_loop.py)
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
            "mapping": (self.mapping, MAPPINGS),
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
        self._check_sources_and_mapping()
        fractions = check_fractions(self.split, option("split"))
        if len(fractions) != 3 or fractions[0] <= 0 or abs(sum(fractions) - 1.0) > 1e-6:
            raise ConfigError(f"{option('split')} must be three non-negative fractions (train above 0) that sum to 1, "
                              f"got {self.split}")

    def _check_sources_and_mapping(self) -> None:
        """Combinations of several sources and the mapping T that cannot work, refused before anything runs."""
        if self.multi_source is not None and self.multi_source not in MULTI_SOURCES:
            raise ConfigError(f"{option('multi_source')} {self.multi_source!r} is not one of: "
                              f"{', '.join(MULTI_SOURCES)}")
        count = (1 if self.source else 0) + len(self.extra_sources)
        if count > 1 and self.multi_source is None:
            raise ConfigError(f"{count} sources given: say how they combine with {option('multi_source')} "
                              f"{'|'.join(MULTI_SOURCES)}")
        if self.multi_source is not None and count < 2:
            raise ConfigError(f"{option('multi_source')} {self.multi_source} needs at least two sources: "
                              f"{give('source', 'A --source B')}")
        if self.multi_source == "mixture" and self.transfer != "feature":
            raise ConfigError(f"{option('multi_source')} mixture is feature transfer (frozen encoders under a learned "
                              f"gate): use {option('transfer')} feature")
        if self.multi_source is not None and self.transfer in ("scratch", "structure", "task"):
            raise ConfigError(f"{option('multi_source')} {self.multi_source} moves the sources' weights: use "
                              f"{option('transfer')} parameter (or feature, partial, ulmfit), not {self.transfer}")
        if self.source_weights and (self.multi_source != "average" or len(self.source_weights) != count
                                    or min(self.source_weights) < 0 or sum(self.source_weights) <= 0):
            raise ConfigError(f"{option('source_weights')} needs {option('multi_source')} average and one "
                              f"non-negative weight per source ({count} here, not all zero), e.g. "
                              f"{option('source_weights')} 0.7,0.3")
        if self.mapping == "none":
            if self.rank is not None:
                raise ConfigError(f"{option('rank')} sets the rank of the mapping T: set {option('mapping')} to "
                                  "embedding or lowrank")
            return
        if self.transfer != "parameter" or self.multi_source is not None:
            what = (f"{option('transfer')} {self.transfer}" if self.transfer != "parameter"
                    else f"{option('multi_source')} {self.multi_source}")
            raise ConfigError(f"{option('mapping')} {self.mapping} trains only a residual T over one source's frozen "
                              f"weights, so it cannot go with {what}: use {option('transfer')} parameter and one "
                              f"{option('source')}")

    def target_model(self, vocab_size: int, source: ModelConfig | None) -> ModelConfig:
        """The architecture the run trains, from config.json alone (no torch), so the Model panel shows
        what the trainer builds: the run's own for scratch or with no source, else the source's with the
        run's vocabulary and scoring settings, the layers and tying asked for (see `asked_layers`);
        feature transfer unties the output layer it trains and keeps the layers up to the one it reads."""
        if self.transfer == "scratch" or source is None:
            return dataclasses.replace(self.model, vocab_size=vocab_size)
        check_layer_options(self, source)
        arch = dataclasses.replace(source, vocab_size=vocab_size,
                                   **{name: getattr(self.model, name) for name in SCORING_FIELDS})
        arch.layers = asked_layers(self, source) or source.layers
        arch.hidden_size = asked_hidden(self, source) or source.hidden_size
        arch.tie_weights = source.tie_weights and not asked_untied(self, source)
        if self.transfer == "feature":
            arch.tie_weights = False
            arch.layers = feature_layer(self, source) + 1
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


MODEL_DEFAULTS = ModelConfig()


def asked_layers(config: TrainConfig, source: ModelConfig) -> int | None:
    """The number of layers the user asked for with a source, else None: an option only counts as asked
    when it differs from both its default and the source's value, so stored configs re-run as they ran."""
    layers = config.model.layers
    return layers if layers not in (MODEL_DEFAULTS.layers, source.layers) else None


def asked_hidden(config: TrainConfig, source: ModelConfig) -> int | None:
    """The hidden size asked for with a source (by the rule of `asked_layers`), else None: wider than the
    source's grows it without changing its predictions (core/widen.py)."""
    hidden = config.model.hidden_size
    return hidden if hidden not in (MODEL_DEFAULTS.hidden_size, source.hidden_size) else None


def asked_untied(config: TrainConfig, source: ModelConfig) -> bool:
    return not config.model.tie_weights and source.tie_weights


def feature_layer(config: TrainConfig, source: ModelConfig) -> int:
    """The source layer feature transfer reads (default: the top one); refused outside the source."""
    if config.feature_layer is None:
        return source.layers - 1
    if not 0 <= config.feature_layer < source.layers:
        raise TransferError(f"{option('feature_layer')} {config.feature_layer}: the source has {source.layers} "
                            f"recurrent layer(s); choose 0 to {source.layers - 1} (0 = the lowest)")
    return config.feature_layer


def layer_options(transfer: str, source: ModelConfig | None) -> frozenset[str]:
    """The model options ("layers", "hidden_size", "no_tie", "feature_layer") that change what a
    `transfer` run from `source` builds, so a front door offers exactly these: feature transfer's depth
    is the layer it reads and its output is always untied, task keeps the source's whole encoder, and an
    untied source has nothing to untie (scratch builds the run's own architecture). `check_layer_options` refuses the others
    where they would be silently ignored."""
    if transfer == "feature":
        return frozenset({"feature_layer"})
    if transfer == "task":
        return frozenset()
    own = source is None or transfer == "scratch"  # the run's own architecture
    return frozenset({"layers", "hidden_size", *(("no_tie",) if own or source.tie_weights else ())})


def check_layer_options(config: TrainConfig, source: ModelConfig | None) -> None:
    """Refuse the model options a transfer type cannot honour, in one line naming the fix."""
    if config.feature_layer is not None and "feature_layer" not in layer_options(config.transfer, source):
        raise TransferError(f"{option('feature_layer')} applies to {option('transfer')} feature, not "
                            f"{config.transfer}; leave it out or choose {option('transfer')} feature")
    if source is None or config.transfer == "scratch":
        return
    layers, hidden = asked_layers(config, source), asked_hidden(config, source)
    if config.transfer == "task" and (layers is not None or hidden is not None or asked_untied(config, source)):
        raise TransferError(f"{option('transfer')} task reads text with the source's whole encoder, so "
                            f"{option('layers')}, {option('hidden_size')} and {option('no_tie')} do not apply; "
                            "leave them out")
    if config.transfer == "feature" and hidden is not None:
        raise TransferError(f"{option('hidden_size')} does not apply to {option('transfer')} feature: it reads the "
                            f"source's frozen layers as they are; leave it out, or grow the source with "
                            f"{option('transfer')} parameter")
    if hidden is not None and hidden < source.hidden_size:
        raise TransferError(f"{option('hidden_size')} {hidden}: the source has {source.hidden_size} units per layer "
                            "and a transfer can only grow it; leave it out, or give a size above the source's")
    if hidden is not None and source.tie_weights and hidden == source.emb_size != source.hidden_size:
        raise TransferError(f"{option('hidden_size')} {hidden}: a tied source grown to its embedding size "
                            f"({source.emb_size}) would lose its projection; choose another size")
    if config.transfer == "feature" and layers is not None and layers != feature_layer(config, source) + 1:
        raise TransferError(f"{option('layers')} does not apply to {option('transfer')} feature: it reads the "
                            f"source's frozen layers; to read a lower layer give {option('feature_layer')} N (0 to "
                            f"{source.layers - 1}) instead")
