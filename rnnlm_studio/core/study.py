"""Studies: a grid of transfer runs over one or two axes, each cell repeated over seeds and paired
with a matched scratch baseline, stored as a folder that a crash or a closed window can resume.

The questions a study answers (how much target data until transfer stops helping, which layers to
copy or freeze, which source) are differences between runs, so every cell is judged against a
scratch run with the same architecture (the source's: weight-moving transfers take it), the same
tokenizer, the same data and the same budget. Axes that change the data (`fraction`, `source`) change
the baseline too; axes that change only the transfer (`transfer`, `freeze`, `lr`, ...) do not, so
cells that differ only there share one baseline per seed instead of training the same scratch run
several times, unless the architecture they train differs (feature transfer's own output layer).

This module holds the plan and the bookkeeping (torch-free apart from reading a source's
architecture); `study_runner.py` runs the plan's jobs as child processes.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths, runlock, validation
from .atomic import atomic_write_text
from .config import TRANSFERS, ModelConfig, TrainConfig
from .corpus import Corpus
from .errors import ConfigError, StudioError, option
from .fractions import materialise, parse_fractions
from .train_options import train_argv

SPEC_FILE = "study.json"
STATE_FILE = "state.json"
MAX_AXES = 2
BACKENDS = ("local", "ray")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _layers(text: str) -> list[str]:
    """`embedding+rnn.0` is two layers in one value (commas separate values); `none` is no layer."""
    return [] if text in ("", "none") else text.split("+")


def _transfer(text: str) -> str:
    allowed = [t for t in TRANSFERS if t not in ("scratch", "task")]
    if text not in allowed:
        raise ConfigError(f"axis transfer: {text!r} is not a transfer type a study compares; choose from "
                          f"{', '.join(allowed)} (the scratch run is every cell's baseline)")
    return text


def _fraction(text: str) -> float:
    return parse_fractions(text, "axis fraction")[0]


def _lr(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"axis lr: {text!r} is not a number; give learning rates such as 1e-3,2e-3")
    validation.check("lr", value, "axis lr")
    return value


def _share(text: str) -> float | None:
    """`off` (the last weights) or a share of the budget from which weights are averaged."""
    if text == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"axis average-from: {text!r} is neither off nor a share of the budget; give values "
                          "such as off,0.5,0.75")
    validation.check("average_from", value, "axis average-from")
    return value


def _whole(field: str, axis: str, example: str) -> Callable[[str], int]:
    """A parser of whole numbers checked by the option's own rule (`hidden-size`, `layers`)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ConfigError(f"axis {axis}: {text!r} is not a whole number; give values such as {example}") from None
        validation.check(field, value, f"axis {axis}")
        return value
    return parse


def _text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Axis:
    """How an axis's value reaches a run: the TrainConfig (or ModelConfig) field it sets (the `train`
    option of the same name carries it to the child), and whether the matched baseline gets it too:
    values that change the data or the tokenizer do, values that change only the transfer do not (an
    architecture the cell trains, such as a grown width, reaches its baseline through
    `matched_architecture` instead)."""

    field: str
    parse: Callable[[str], Any]
    on_baseline: bool = False


# The one table from axis to run option: an axis whose field this version's TrainConfig lacks
# (`mapping` before `--mapping` exists) is refused with a message naming the missing option.
AXES: dict[str, Axis] = {
    "transfer": Axis("transfer", _transfer),
    "fraction": Axis("train", _fraction, on_baseline=True),
    "freeze": Axis("freeze", _layers),
    "transfer-layers": Axis("transfer_layers", _layers),
    "source": Axis("source", _text, on_baseline=True),
    "lr": Axis("lr", _lr),
    "mapping": Axis("mapping", _text),
    "average-from": Axis("average_from", _share),
    "hidden-size": Axis("hidden_size", _whole("hidden_size", "hidden-size", "512,768")),
    "layers": Axis("layers", _whole("layers", "layers", "2,3")),
}
_MODEL_FIELDS = {f.name for f in dataclasses.fields(ModelConfig)}
_CONFIG_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)} | _MODEL_FIELDS


def available_axes() -> list[str]:
    """The axes this version can run (an axis whose run option is missing is left out)."""
    return [name for name, axis in AXES.items() if axis.field in _CONFIG_FIELDS]


def parse_axis(text: str) -> tuple[str, list[str]]:
    """`NAME=V1,V2,...` -> (name, values), each value checked now so a typo fails before any run."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or name not in AXES:
        raise ConfigError(f"axis {text!r}: write NAME=V1,V2,... with NAME one of {', '.join(AXES)}")
    axis = AXES[name]
    if axis.field not in _CONFIG_FIELDS:
        raise ConfigError(f"axis {name} needs the train option --{axis.field.replace('_', '-')}, which this "
                          "version does not have; choose another axis")
    items = [v.strip() for v in values.split(",")]
    if not all(items) and name not in ("freeze", "transfer-layers"):
        raise ConfigError(f"axis {text!r}: an empty value; separate values with commas, e.g. {name}=A,B")
    if len(set(items)) != len(items):
        raise ConfigError(f"axis {text!r}: a value is given twice")
    for item in items:
        axis.parse(item)
    return name, items


def _absolute(path: str) -> str:
    return str(paths.user_path(path).resolve())


def _absolute_paths(base: dict[str, Any]) -> dict[str, Any]:
    """Texts (and a source given as a folder) by absolute path: a study resumed from another folder,
    or by the Studies panel, must find the same files."""
    fixed = {**base, "train": [_absolute(p) for p in base.get("train") or []]}
    for key in ("valid", "test"):
        if base.get(key):
            fixed[key] = _absolute(base[key])
    source = base.get("source")
    if source and paths.user_path(source).exists():
        fixed["source"] = _absolute(source)
    return fixed


@dataclass
class StudySpec:
    """What a study is: stored as study.json, so resuming needs nothing but the study's name."""

    name: str
    base: dict[str, Any]  # the TrainConfig every run starts from
    axes: list[tuple[str, list[str]]]
    repeats: int = 1
    jobs: int = 1
    backend: str = "local"
    address: str | None = None
    created: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.base.get("transfer", "scratch") == "scratch":  # a study compares a transfer with scratch:
            self.base = {**self.base, "transfer": "parameter"}  # the default, as transfer-curve always had
        self.base = _absolute_paths(self.base)

    def validate(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"study name {self.name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
        if not 1 <= len(self.axes) <= MAX_AXES:
            raise ConfigError(f"a study has one or two axes, got {len(self.axes)}: pass --axis NAME=V1,V2 once or twice")
        names = [name for name, _values in self.axes]
        if len(set(names)) != len(names):
            raise ConfigError(f"axis {names[0]} is given twice: give each axis once, with all its values")
        for name, values in self.axes:
            parse_axis(f"{name}={','.join(values)}")
        validation.check("repeats", self.repeats)
        validation.check("jobs", self.jobs)
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend {self.backend!r}: choose {' or '.join(BACKENDS)}")
        if self.address and self.backend != "ray":
            raise ConfigError("--address is the Ray cluster to run on: add --backend ray, or leave --address out")
        config = self.base_config()
        if not config.source and "source" not in names:
            raise ConfigError("a study compares transfer with scratch: give a source model (--source MODEL, "
                              "or an axis source=A,B)")

    def base_config(self) -> TrainConfig:
        return TrainConfig.from_dict(self.base)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudySpec:
        values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        values["axes"] = [(name, list(items)) for name, items in values.get("axes", [])]
        return cls(**values)


@dataclass
class Job:
    """One training run of the study: a cell's transfer run for one seed, or a baseline for one seed."""

    key: str
    role: str  # "transfer" or "baseline"
    repeat: int
    config: TrainConfig


@dataclass
class Cell:
    index: int
    axes: dict[str, str]
    runs: list[str]  # the transfer job per repeat
    baselines: list[str]  # the baseline job per repeat (shared with cells whose scratch arm is the same)


@dataclass
class Plan:
    cells: list[Cell]
    jobs: dict[str, Job]  # in the order they run: each cell's baseline just before its first run
    train_bytes: dict[str, int] = field(default_factory=dict)  # fraction value -> bytes of its text


def grid(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination of the axes' values, the first axis slowest (row-major, as the heatmap reads)."""
    names = [name for name, _values in axes]
    return [dict(zip(names, combo)) for combo in itertools.product(*(values for _name, values in axes))]


def _apply(config: TrainConfig, values: dict[str, str], data: dict[str, list[str]]) -> TrainConfig:
    out = dataclasses.replace(config, model=dataclasses.replace(config.model))
    for name, text in values.items():
        axis = AXES[name]
        value = data[text] if name == "fraction" else axis.parse(text)
        setattr(out.model if axis.field in _MODEL_FIELDS else out, axis.field, value)
    return out


def matched_architecture(config: TrainConfig) -> ModelConfig:
    """The architecture `config`'s transfer run trains (config.target_model: the source's, with the layers
    and untying asked for; feature transfer's untied head), read from config.json without torch. Its
    scratch twin gets it too: with the default model the comparison would measure the architecture as
    much as the transfer."""
    if not config.source:
        return config.model
    from .checkpoint import model_config_from, read_config, resolve_model

    folder = resolve_model(config.source)
    return config.target_model(config.model.vocab_size, model_config_from(read_config(folder), folder))


def _axes_named(exc: StudioError, values: dict[str, str]) -> str:
    """The refusal's message, unspelled, with each setting a cell's axis gave named as that axis: the user
    typed the value into the axis, not into the option the front door would point to."""
    text = exc.args[0] if exc.args else ""
    for name in values:
        text = text.replace(option(AXES[name].field), f"the axis {name}")
    return text


def _cell_architecture(config: TrainConfig, values: dict[str, str]) -> ModelConfig:
    """The architecture a cell's runs train, which its baseline shares, whatever transfer type the base
    options name. A cell's runs take the layer options as its transfer type does: an option the cell's
    transfer refuses would fail every run of the cell once the study had started, so it is refused here."""
    cell = ", ".join(f"{name}={value}" for name, value in values.items())
    try:
        architecture = matched_architecture(config)
    except StudioError as exc:
        raise ConfigError(f"study cell {cell}: {_axes_named(exc, values)}") from None
    for name, text in values.items():
        field = AXES[name].field
        built = getattr(architecture, field) if field in _MODEL_FIELDS else None
        if built is not None and built != AXES[name].parse(text):
            # the default reads as "as the source" beside a source of another shape (config.asked_layers)
            raise ConfigError(f"study cell {cell}: {text} is the default {name}, which a run with a source reads "
                              f"as the source's own ({built}); give the source's value to keep it, or another "
                              "value to change it")
    return architecture


def _scratch_key(config: TrainConfig) -> str:
    """Two baselines are the same run when their `train` options are, but for the name."""
    return json.dumps(train_argv(dataclasses.replace(config, name=None)))


def _check_data(config: TrainConfig) -> None:
    """The texts open (exist, are readable text files) before any run is planned or started."""
    for texts in (config.train, [config.valid] if config.valid else [], [config.test] if config.test else []):
        if texts:
            Corpus.open(texts)


def make_plan(spec: StudySpec) -> Plan:
    from .baseline import baseline_config  # torch: not for the command line's parser, which reads AXES

    base = spec.base_config()
    _check_data(base)
    data: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    fractions = dict(spec.axes).get("fraction")
    if fractions:
        valid, test, files = materialise(base, [_fraction(v) for v in fractions])
        base.valid, base.test = str(valid), str(test) if test else base.test
        for text, (_fraction_value, path, size) in zip(fractions, files):
            data[text], sizes[text] = [str(path)], size
    cells: list[Cell] = []
    jobs: dict[str, Job] = {}
    scratch: dict[str, int] = {}
    for index, values in enumerate(grid(spec.axes)):
        cell = Cell(index, values, [], [])
        config = _apply(base, values, data)
        architecture = _cell_architecture(config, values)
        shared = {k: v for k, v in values.items() if AXES[k].on_baseline}
        probe = _apply(base, shared, data)  # the cells' transfer, with what the baseline shares with them
        twin = dataclasses.replace(baseline_config(probe), model=architecture)
        b = scratch.setdefault(_scratch_key(twin), len(scratch))
        for repeat in range(spec.repeats):
            seed = base.seed + repeat
            key = f"b{b}-r{repeat}"
            if key not in jobs:
                jobs[key] = Job(key, "baseline", repeat, dataclasses.replace(
                    twin, seed=seed, name=f"{spec.name}-baseline{b}-r{repeat}"))
            cell.baselines.append(key)
            run = f"c{index}-r{repeat}"
            jobs[run] = Job(run, "transfer", repeat, dataclasses.replace(
                config, seed=seed, name=f"{spec.name}-cell{index}-r{repeat}"))
            cell.runs.append(run)
        cells.append(cell)
    ordered = sorted(jobs.values(), key=lambda job: job.repeat)  # every cell's first seed before any second
    return Plan(cells, {job.key: job for job in ordered}, sizes)


# ------------------------------------------------------------------ the study folder


def studies_dir() -> Path:
    return paths.data_home() / "studies"


class StudyFolder:
    """`studies/NAME/`: study.json (the spec) and state.json (each job's status, run id and figures).
    Only the process running the study writes state.json, whole (atomic), after each job."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.spec = StudySpec.from_dict(json.loads((self.path / SPEC_FILE).read_text(encoding="utf-8")))
        self.state = self._read_state()

    def _read_state(self) -> dict[str, dict[str, Any]]:
        state_file = self.path / STATE_FILE
        return json.loads(state_file.read_text(encoding="utf-8")).get("jobs", {}) if state_file.is_file() else {}

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """This process runs the study (core/runlock.py's lock on its folder). A second one, another
        window's Resume or `study --resume`, would rewrite state.json from its own copy, dropping this
        one's finished runs, and train the same runs again; the state is read afresh once held."""
        try:
            runlock.acquire(self.path)
        except StudioError:
            pid = runlock.holder(self.path)
            raise StudioError(f"study {self.spec.name} is being run by {f'process {pid}' if pid else 'another process'}:"
                              " wait for it to finish, or stop it first") from None
        try:
            self.state = self._read_state()
            yield
        finally:
            runlock.release(self.path)

    @classmethod
    def create(cls, spec: StudySpec) -> StudyFolder:
        spec.validate()
        path = studies_dir() / spec.name
        if (path / SPEC_FILE).exists():
            raise StudioError(f"a study named {spec.name!r} exists already ({path}): continue it with "
                              f"`study --resume {spec.name}`, or choose another --name")
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / SPEC_FILE, json.dumps(spec.to_dict(), indent=2))
        return cls(path)

    @classmethod
    def open(cls, ref: str | Path) -> StudyFolder:
        path = Path(ref)
        if not (path / SPEC_FILE).is_file():
            path = studies_dir() / str(ref)
        if not (path / SPEC_FILE).is_file():
            known = ", ".join(list_studies()) or "none yet"
            raise StudioError(f"no study named {str(ref)!r} (studies: {known}); give a study name or folder")
        return cls(path)

    def done(self, key: str) -> bool:
        return self.state.get(key, {}).get("status") == "done"

    def record(self, key: str, **fields: Any) -> None:
        self.state[key] = {**self.state.get(key, {}), **fields}
        atomic_write_text(self.path / STATE_FILE, json.dumps({"jobs": self.state}, indent=1))


def list_studies() -> list[str]:
    root = studies_dir()
    return sorted(p.name for p in root.iterdir() if (p / SPEC_FILE).is_file()) if root.is_dir() else []


def default_study_name() -> str:
    """The time to the second, made unique: two unnamed studies started within a second must not
    collide, since the second would be refused as "exists already" for a name the user never chose."""
    stem, taken = time.strftime("study-%Y%m%d-%H%M%S"), set(list_studies())
    return next(name for name in (stem, *(f"{stem}-{n}" for n in range(2, len(taken) + 3))) if name not in taken)


# ------------------------------------------------------------------ statistics


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _sd(values: list[float]) -> float | None:
    """The sample standard deviation over repeats; undefined (None) for a single repeat."""
    return statistics.stdev(values) if len(values) > 1 else None


@dataclass
class CellSummary:
    """A cell's figures over the repeats whose transfer run and baseline have both finished. bpb is of
    the test text, or of the validation text when there is none (`split` says which)."""

    index: int
    axes: dict[str, str]
    repeats: int
    planned: int
    bpb_mean: float | None
    bpb_sd: float | None
    baseline_bpb_mean: float | None
    baseline_bpb_sd: float | None
    gain_bits_mean: float | None  # 1 - bpb / baseline bpb, per seed, then averaged
    gain_bits_sd: float | None
    word_ppl_mean: float | None
    baseline_word_ppl_mean: float | None
    split: str
    run_ids: list[str]
    baseline_run_ids: list[str]
    train_bytes: int | None = None

    @property
    def complete(self) -> bool:
        return self.repeats == self.planned

    def contract(self) -> dict[str, Any]:
        """The cell as `study --json`'s study_done line carries it (DESIGN.md's contract), plus detail."""
        return {"axes": self.axes, "repeats": self.repeats, "bpb_mean": self.bpb_mean, "bpb_sd": self.bpb_sd,
                "baseline_bpb_mean": self.baseline_bpb_mean, "gain_bits_mean": self.gain_bits_mean,
                "gain_bits_sd": self.gain_bits_sd, "baseline_bpb_sd": self.baseline_bpb_sd,
                "word_ppl_mean": self.word_ppl_mean, "baseline_word_ppl_mean": self.baseline_word_ppl_mean,
                "split": self.split, "run_ids": self.run_ids, "baseline_run_ids": self.baseline_run_ids,
                "train_bytes": self.train_bytes}


def summarise_cell(cell: Cell, state: dict[str, dict[str, Any]], train_bytes: int | None = None) -> CellSummary:
    pairs = [(state[run], state[base]) for run, base in zip(cell.runs, cell.baselines)
             if state.get(run, {}).get("status") == "done" and state.get(base, {}).get("status") == "done"]
    bpb = [run["bpb"] for run, _base in pairs]
    base_bpb = [base["bpb"] for _run, base in pairs]
    gains = [1.0 - t / b for t, b in zip(bpb, base_bpb)]
    return CellSummary(cell.index, cell.axes, len(pairs), len(cell.runs), _mean(bpb), _sd(bpb), _mean(base_bpb),
                       _sd(base_bpb), _mean(gains), _sd(gains), _mean([run["word_ppl"] for run, _b in pairs]),
                       _mean([base["word_ppl"] for _r, base in pairs]),
                       pairs[0][0].get("split", "valid") if pairs else "",
                       [run["run_id"] for run, _b in pairs], [base["run_id"] for _r, base in pairs], train_bytes)


def summarise(plan: Plan, state: dict[str, dict[str, Any]]) -> list[CellSummary]:
    return [summarise_cell(cell, state, plan.train_bytes.get(cell.axes.get("fraction", ""))) for cell in plan.cells]


def result_fields(done: dict[str, Any]) -> dict[str, Any]:
    """What the study keeps of a run's done event: its figures on the test text, or on the validation
    text when it has no test text."""
    split = "test" if done.get("test") else "valid"
    metrics = done[split]
    return {"status": "done", "run_id": done["run_id"], "run_dir": done["run_dir"], "split": split,
            "bpb": metrics["bpb"], "word_ppl": metrics["word_ppl"], "elapsed": done.get("elapsed", 0.0),
            "eval_seconds": done.get("eval_seconds", 0.0)}


def cells_of(plan: Plan, key: str) -> Iterable[Cell]:
    """The cells a finished job adds a figure to (a shared baseline feeds several)."""
    return (cell for cell in plan.cells if key in cell.runs or key in cell.baselines)
