"""Model folders: safetensors weights + JSON config + SentencePiece tokenizer + card (README.md).

A folder is written under a temporary name and renamed into place, so a reader (or a
process killed mid-write) only ever sees a complete folder. Loading never unpickles:
weights come from safetensors, everything else from JSON, and every tensor's name and
shape is checked against config.json before use, with a message naming the culprit.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from . import paths
from .atomic import atomic_write_text, fsync_dir, fsync_tree
from .card import CARD, card_metadata, read_card, with_metadata
from .config import CELLS, ModelConfig
from .errors import ConfigError, ModelFileError, StudioError
from .mixture import MixtureLM
from .model import RNNLM
from .tokenizer import Tokenizer
from .validation import require_regular_file

FORMAT = "rnnlm-studio-model"
FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
CONFIG = "config.json"
TOKENIZER = "tokenizer.model"

log = logging.getLogger(__name__)

# What a failed write raises: the OS (full disk, EFBIG past a file-size limit, read-only folder),
# safetensors (which wraps the OS error in its own type) and SQLite ("database or disk is full").
WRITE_ERRORS = (OSError, SafetensorError, sqlite3.OperationalError)
MAX_HEADER_BYTES = 100 << 20  # a safetensors header larger than this is not one of ours
_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                "BOOL": 1}
_OS_MESSAGE = re.compile(r'message: "([^"]+)"')


def write_failure(exc: BaseException, folder: Path, fix: str) -> str:
    """One line for a failed write, whichever layer raised it, naming the OS's reason when it has one."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        found = _OS_MESSAGE.search(str(exc))
        reason = found[1] if found else str(exc)
    return f"could not write to {folder}: {reason}. Free disk space or check permissions, then {fix}"


@dataclass
class LoadedModel:
    model: RNNLM
    tokenizer: Tokenizer
    config: dict[str, Any]
    path: Path
    name: str


@dataclass
class ModelInfo:
    name: str
    path: Path
    origin: str  # bundled | installed
    card: str
    config: dict[str, Any]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_state(model: RNNLM, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """State dict without the tied decoder weight (safetensors refuses shared tensors)."""
    state = model.state_dict()
    if model.config.tie_weights:
        state.pop("decoder.weight", None)
    return {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v).detach().cpu().contiguous()
            for k, v in state.items()}


def replace_dir(tmp: Path, final: Path) -> None:
    """Swap a fully written temp folder into place; the old one is removed only afterwards."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{time.time_ns()}")
        final.rename(old)
    tmp.rename(final)
    fsync_dir(final.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def recover_dir(final: Path) -> None:
    """If a kill fell between the two renames of `replace_dir`, put the old folder back."""
    if final.exists():
        return
    olds = sorted(final.parent.glob(f".{final.name}.old-*"))
    if olds:
        olds[-1].rename(final)


def save_model_folder(folder: Path, model: RNNLM, tokenizer: Tokenizer, *, provenance: dict | None = None,
                      metrics: dict | None = None, card: str | None = None,
                      dtype: torch.dtype | None = None, extra_files: dict[str, Any] | None = None) -> Path:
    """Write a complete model folder atomically. `extra_files` maps names to a callable(path) writer."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        save_file(weights_state(model, dtype), str(tmp / WEIGHTS))
        tokenizer.save(tmp / TOKENIZER)
        for name, writer in (extra_files or {}).items():
            writer(tmp / name)
        config = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "model": dataclasses.asdict(model.config),
            **({"mixture": model.layout()} if isinstance(model, MixtureLM) else {}),
            "tokenizer": {"kind": tokenizer.kind, "vocab_size": tokenizer.vocab_size,
                          "fingerprint": tokenizer.fingerprint()},
            "weights_sha256": sha256_file(tmp / WEIGHTS),
            "files_sha256": {name: sha256_file(tmp / name) for name in extra_files or {}},
            "parameters": model.num_parameters(),
            "provenance": {key: paths.portable(value) for key, value in (provenance or {}).items()},
            "metrics": metrics or {},
            "software": software_versions(),
        }
        (tmp / CONFIG).write_text(json.dumps(config, indent=2), encoding="utf-8")
        (tmp / CARD).write_text(with_metadata(card or default_card(folder.name, config), card_metadata(config)),
                                encoding="utf-8")
        fsync_tree(tmp)
        replace_dir(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def software_versions() -> dict[str, str]:
    """What wrote the folder, so a result can be traced to the code that produced it."""
    from . import __version__

    return {"rnnlm_studio": __version__, "torch": torch.__version__.split("+")[0]}


def default_card(name: str, config: dict[str, Any]) -> str:
    model = config["model"]
    lines = [f"# {name}", "",
             f"{model['layers']}-layer {model['cell'].upper()} language model, "
             f"embedding {model['emb_size']}, hidden {model['hidden_size']}, "
             f"{config['tokenizer']['kind']} vocabulary of {config['tokenizer']['vocab_size']} pieces, "
             f"{config['parameters']:,} parameters.", ""]
    prov = config.get("provenance") or {}
    if isinstance(prov.get("trainable_parameters"), int) and prov["trainable_parameters"] != config["parameters"]:
        lines += [f"Trained in its run: {prov['trainable_parameters']:,} parameters, against the "
                  f"{config['parameters']:,} it holds (the rest stayed as the source had them).", ""]
    if isinstance(config.get("mixture"), dict):
        names = ", ".join(str(source.get("name")) for source in config["mixture"].get("sources", []))
        lines += [f"A mixture of sources ({names}): their frozen encoders are stored in this folder beside the "
                  "learned gate, adapters and output layer, so it loads and generates without them.", ""]
    if isinstance(prov.get("mapping"), dict):
        rank = prov["mapping"].get("rank")
        lines += [f"Trained through the learned mapping T ({prov['mapping'].get('kind')}, "
                  f"{'full d x d' if rank is None else f'rank {rank}'}) over the source's frozen weights: T is "
                  "merged into these weights (w_s + T(w_s)), so this folder loads as an ordinary model.", ""]
    if prov.get("train"):
        lines.append(f"Trained on: {', '.join(map(str, prov['train']))}")
    if prov.get("command"):
        lines += ["", "Command:", "", f"    {prov['command']}"]
    metrics = config.get("metrics") or {}
    for split, values in metrics.items():
        if isinstance(values, dict) and values:
            lines.append(f"- {split}: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()
                                                   if isinstance(v, (int, float))))
    return "\n".join(lines) + "\n"


def read_config(folder: Path) -> dict[str, Any]:
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise ModelFileError(f"{folder} is not a model folder: {CONFIG} is missing; "
                             "point at a folder with config.json, model.safetensors and tokenizer.model")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path} is not valid JSON ({exc}); the model folder is damaged, "
                             "re-download or re-train it") from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT or "model" not in config:
        raise ModelFileError(f"{path} is not an RNNLM Studio model config; "
                             "point at a folder written by rnnlm-studio")
    return config


def model_config_from(config: dict[str, Any], where: Path) -> ModelConfig:
    """The architecture config.json describes, every field type- and range-checked (the same rules as
    the command line's options), before anything is built from it."""
    described = config.get("model")
    if not isinstance(described, dict):
        raise ModelFileError(f"{where / CONFIG}: \"model\" must be an object of architecture fields, got "
                             f"{type(described).__name__}; the model folder is damaged, re-download or re-train it")
    known = {f.name for f in dataclasses.fields(ModelConfig)}
    try:
        if not isinstance(described.get("cell", "lstm"), str) or described.get("cell", "lstm") not in CELLS:
            raise ConfigError(f"cell must be one of {', '.join(CELLS)}, got {described.get('cell')!r}")
        mc = ModelConfig(**{k: v for k, v in described.items() if k in known})
        mc.validate()
    except (TypeError, StudioError) as exc:
        raise ModelFileError(f"{where / CONFIG} describes an invalid model ({str(exc).replace('--', 'model.')}); "
                             "the model folder is damaged, re-download or re-train it") from exc
    return mc


def weights_header(path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape from a safetensors header, checked against the file's size: what the weights
    file can really hold, read without loading a byte of tensor data."""
    problem = f"{path} is not a readable safetensors file"
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            length = int.from_bytes(handle.read(8), "little")
            if size < 8 or not 0 < length <= min(size - 8, MAX_HEADER_BYTES):
                raise ModelFileError(f"{problem} (its header length is impossible); the file is truncated or corrupt")
            header = json.loads(handle.read(length))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{problem} ({exc}); the file is truncated or corrupt") from exc
    if not isinstance(header, dict):
        raise ModelFileError(f"{problem} (its header is not an object); the file is truncated or corrupt")
    data_bytes = size - 8 - length
    shapes = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            shape, (start, end) = tuple(entry["shape"]), entry["data_offsets"]
            itemsize = _DTYPE_BYTES[entry["dtype"]]
            valid = (all(isinstance(d, int) and d >= 0 for d in shape) and isinstance(start, int)
                     and isinstance(end, int) and 0 <= start <= end <= data_bytes
                     and end - start == math.prod(shape) * itemsize)
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid:
            raise ModelFileError(f"{problem}: tensor {name!r} has an impossible shape, type or position; "
                                 "the file is truncated or corrupt")
        shapes[name] = shape
    return shapes


def check_architecture(mc: ModelConfig, shapes: dict[str, tuple[int, ...]], weights: Path) -> None:
    """config.json's architecture against the weights' header, on the meta device (no memory), so a
    config claiming a billion-word vocabulary is refused before anything of that size exists."""
    with torch.device("meta"):
        template = RNNLM(mc)
    expected = {k: tuple(v.shape) for k, v in template.state_dict().items()
                if not (mc.tie_weights and k == "decoder.weight")}
    check_shapes(expected, shapes, weights)


def verify_weights(folder: Path, config: dict[str, Any]) -> Path:
    """The weights file, once it matches config.json's checksum: a torn or bit-rotted file is caught
    before any byte of it is parsed."""
    path = Path(folder) / WEIGHTS
    if not path.is_file():
        raise ModelFileError(f"{path} is missing; the model folder is incomplete")
    expected = config.get("weights_sha256")
    if expected and sha256_file(path) != expected:
        raise ModelFileError(f"{path} fails its checksum (truncated or corrupt); "
                             "use an earlier checkpoint or re-download the model")
    return path


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path} is not a readable safetensors file ({exc}); "
                             "the file is truncated or corrupt") from exc


def check_state(model: RNNLM, state: dict[str, torch.Tensor], weights: Path) -> None:
    """Explain the first mismatch between a weights file and the architecture in config.json."""
    check_shapes({k: tuple(v.shape) for k, v in weights_state(model).items()},
                 {k: tuple(v.shape) for k, v in state.items()}, weights)


def check_shapes(expected: dict[str, tuple[int, ...]], found: dict[str, tuple[int, ...]], weights: Path) -> None:
    """The first difference between the tensors an architecture needs and those a file holds."""
    for key, shape in expected.items():
        if key not in found:
            raise ModelFileError(f"{weights} has no tensor {key!r} that config.json's architecture "
                                 "needs: the weights and the config come from different models")
        if found[key] != shape:
            raise ModelFileError(f"{weights}: tensor {key!r} has shape {found[key]} but "
                                 f"config.json describes {shape}: the weights and the config "
                                 "come from different models")
    extra = sorted(set(found) - set(expected))
    if extra:
        raise ModelFileError(f"{weights} has tensors the architecture lacks ({', '.join(extra[:3])}): "
                             "the weights and the config come from different models")


def load_model_folder(folder: Path, device: str | torch.device = "cpu") -> LoadedModel:
    folder = Path(folder)
    config = read_config(folder)
    mc = model_config_from(config, folder)
    weights = verify_weights(folder, config)
    if "mixture" in config:
        with torch.device("meta"):  # checked against the header before anything of its size exists
            template = mixture_from_config(config, mc, folder)
        check_shapes({k: tuple(v.shape) for k, v in template.state_dict().items()}, weights_header(weights), weights)
        model = mixture_from_config(config, mc, folder)
    else:
        check_architecture(mc, weights_header(weights), weights)
        model = RNNLM(mc)
    state = read_weights(weights)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=False)
    tokenizer = Tokenizer.load(folder / TOKENIZER)
    if tokenizer.vocab_size != mc.vocab_size:
        raise ModelFileError(f"{folder / TOKENIZER} has {tokenizer.vocab_size} pieces but the model expects "
                             f"{mc.vocab_size}: the tokenizer belongs to another model")
    model.to(device).eval()
    return LoadedModel(model=model, tokenizer=tokenizer, config=config, path=folder, name=folder.name)


def mixture_from_config(config: dict[str, Any], mc: ModelConfig, folder: Path) -> MixtureLM:
    """A mixture folder's module (core/mixture.py), every source's architecture checked like a model's own,
    built before any weight is read."""
    layout = config["mixture"]
    described = layout.get("sources") if isinstance(layout, dict) else None
    if not isinstance(described, list) or not described or not all(isinstance(s, dict) for s in described):
        raise ModelFileError(f"{folder / CONFIG}: \"mixture\" must list its sources; the model folder is damaged, "
                             "re-download or re-train it")
    encoders = [RNNLM(model_config_from(source, folder)) for source in described]
    return MixtureLM(mc, encoders, [str(source.get("name", f"source {i + 1}")) for i, source in enumerate(described)])


def checkpoint_problem(folder: Path, *, resumable: bool = False) -> str | None:
    """Why a checkpoint folder cannot be used (damaged config, weights failing their checksum,
    unreadable training state), or None when it can."""
    try:
        config = read_config(folder)
        verify_weights(folder, config)
        if resumable:
            verify_training_state(folder, config)
    except ModelFileError as exc:
        return str(exc)
    return None


def usable_checkpoint(run_dir: Path, tags: tuple[str, ...], *, resumable: bool = False) -> Path | None:
    """The first of a run's checkpoints `tags` that passes its checks, with a warning for each damaged
    one skipped, so one torn checkpoint costs the steps since the other one instead of the whole run.

    None when the run has no checkpoint yet; ModelFileError when every checkpoint it has is damaged.
    """
    problems = []
    for tag in tags:
        candidate = Path(run_dir) / "checkpoints" / tag
        recover_dir(candidate)
        if not candidate.exists():
            continue
        problem = checkpoint_problem(candidate, resumable=resumable)
        if problem is None:
            for skipped in problems:
                log.warning("warning: %s; using %s instead", skipped.split("; ")[0], candidate)
            return candidate
        problems.append(problem)
    if problems:
        raise ModelFileError(f"every checkpoint of {run_dir} is damaged ({'; '.join(problems)}): "
                             "start a new run, or restore the run folder from a backup")
    return None


def run_checkpoint(run_dir: Path) -> Path | None:
    """A run's best checkpoint, else its last one."""
    return usable_checkpoint(run_dir, ("best", "last"))


def resume_checkpoint(run_dir: Path) -> Path:
    """The checkpoint a resume starts from: the last one, else the best one (an earlier step).

    Runs only while no process writes the run, so leftovers of writes a kill interrupted
    (temp and old folders) are removed first.
    """
    folder = Path(run_dir) / "checkpoints"
    for tag in ("last", "best"):
        recover_dir(folder / tag)
    for stale in (*folder.glob(".*.tmp-*"), *folder.glob(".*.old-*")):
        shutil.rmtree(stale, ignore_errors=True)
    found = usable_checkpoint(run_dir, ("last", "best"), resumable=True)
    if found is None:
        raise ModelFileError(f"{run_dir} has no checkpoint to resume from: start a new run instead")
    return found


def resolve_model(ref: str | Path) -> Path:
    """A model folder, a run folder, an installed or bundled model name, or a run id/name."""
    path = paths.user_path(ref)
    if path.is_dir():
        if (path / CONFIG).is_file():
            return path
        found = run_checkpoint(path)
        if found is not None:
            return found
        raise ModelFileError(f"{path} holds neither a model (config.json) nor a run checkpoint; "
                             "point at a model folder or a run folder")
    if path.suffix in (".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt"):
        raise ModelFileError(f"{ref} is a pickle-based file, which can run code when loaded; RNNLM Studio only "
                             "opens model folders (safetensors + JSON): convert a state dict with `rnnlm-studio import FILE --like MODEL --to FOLDER`")
    name = str(ref)
    for root in (paths.installed_models_dir(), paths.bundled_models_dir()):
        if (root / name / CONFIG).is_file():
            return root / name
    from .runs import RunStore

    try:
        record = RunStore().find(name)
    except StudioError:
        record = None
    if record is not None:
        found = run_checkpoint(record.run_dir)
        if found is not None:
            return found
        raise ModelFileError(f"run {name} has no checkpoint yet; wait for its first evaluation")
    raise ModelFileError(f"no model named {name!r}: give a model folder, a run folder, or one of the names "
                         "`rnnlm-studio models` lists")


def load_model(ref: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    loaded = load_model_folder(resolve_model(ref), device)
    if not Path(ref).is_dir():
        loaded.name = str(ref)
    return loaded


def list_models() -> list[ModelInfo]:
    """Installed models first (a user's copy shadows a bundled one of the same name)."""
    found: dict[str, ModelInfo] = {}
    for origin, root in (("installed", paths.installed_models_dir()), ("bundled", paths.bundled_models_dir())):
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if (p / CONFIG).is_file()):
            if folder.name in found:
                continue
            try:
                config = read_config(folder)
            except ModelFileError:
                continue
            found[folder.name] = ModelInfo(folder.name, folder, origin, read_card(folder), config)
    return list(found.values())


def trained_runs() -> list[Any]:
    """The stored runs a model can be loaded from (RunRecords), newest first: trained past step 0, with a
    checkpoint on disk. It only reads (no recovery of an interrupted write), so it is safe beside a run
    that is training."""
    from .runs import RunStore

    return [record for record in RunStore().list() if record.step > 0
            and any((record.run_dir / "checkpoints" / tag / CONFIG).is_file() for tag in ("best", "last"))]


_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_model_name(name: str) -> str:
    """An installed model's name is one folder name inside the models folder: no separators, no `..`,
    nothing absolute, so that joining it can never reach (or replace) anything outside that folder."""
    if not _MODEL_NAME.fullmatch(name) or ".." in name:
        raise StudioError(f"{name!r} cannot name a model: use letters, digits, '.', '-' and '_' "
                          "(no slashes or '..', at most 100 characters), e.g. --name my-model")
    return name


def refuse_links(source: Path) -> None:
    """A folder to copy holds only regular files and folders: a symlink is refused rather than followed,
    so a model folder from elsewhere cannot smuggle another file's content (or a FIFO) into the store."""
    for root, dirs, files in os.walk(source):
        for name in (*dirs, *files):
            path = Path(root) / name
            if path.is_symlink():
                raise ModelFileError(f"{path} is a symbolic link; model folders are copied without following "
                                     "links: replace it with the file itself")
            if name in files:
                require_regular_file(path, "remove it from the model folder")


def require_new_folder(target: Path, option: str) -> None:
    """Writing a model folder never replaces something that is already there."""
    if target.is_symlink() or (target.exists() and (not target.is_dir() or any(target.iterdir()))):
        raise StudioError(f"{target} already exists and is not an empty folder: {option} never replaces "
                          "anything, so give a new folder name or remove it first")


def install_model(folder: Path, name: str | None = None) -> Path:
    """Copy a model folder into the data folder after checking that it loads; never over an existing one."""
    folder = Path(folder)
    name = check_model_name(name if name is not None else folder.resolve().name)
    target = paths.installed_models_dir() / name
    if target.exists() or target.is_symlink():
        raise StudioError(f"a model named {name!r} is already installed ({target}): pick another --name, "
                          "or delete that folder first")
    refuse_links(folder)
    load_model_folder(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        shutil.rmtree(tmp)
        shutil.copytree(folder, tmp, symlinks=True)  # links were refused above; never follow one
        tmp.rename(target)  # fails rather than replaces if the name was taken meanwhile
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fsync_dir(target.parent)
    return target


def save_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2))


TRAIN_STATE = "trainer_state.json"
TRAIN_TENSORS = "trainer_state.safetensors"


def training_state_writers(state: dict[str, Any], optimizer: torch.optim.Optimizer,
                           tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Writers for the resumable part of a checkpoint: JSON scalars + safetensors tensors, never pickle."""
    opt = optimizer.state_dict()
    flat = {f"opt.{idx}.{name}": value.detach().cpu().contiguous()
            for idx, slots in opt["state"].items() for name, value in slots.items() if torch.is_tensor(value)}
    flat.update({k: v.detach().cpu().contiguous() for k, v in tensors.items()})
    meta = dict(state, optimizer_groups=opt["param_groups"],
                optimizer_scalars={f"{idx}.{name}": value for idx, slots in opt["state"].items()
                                   for name, value in slots.items() if not torch.is_tensor(value)})
    return {
        TRAIN_STATE: lambda p: p.write_text(json.dumps(meta), encoding="utf-8"),
        TRAIN_TENSORS: lambda p: save_file(flat, str(p)),
    }


def load_training_state(folder: Path, optimizer: torch.optim.Optimizer) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Restore the optimizer in place; returns the JSON state and the non-optimizer tensors."""
    meta_path, tensor_path = Path(folder) / TRAIN_STATE, Path(folder) / TRAIN_TENSORS
    if not meta_path.is_file() or not tensor_path.is_file():
        raise ModelFileError(f"{folder} has no training state to resume from; start a new run instead")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        flat = load_file(str(tensor_path))
    except (OSError, ValueError, SafetensorError) as exc:
        raise ModelFileError(f"{folder}: the training state is corrupt ({exc}); resume from another checkpoint") from exc
    state: dict[int, dict[str, Any]] = {}
    for key, value in flat.items():
        if key.startswith("opt."):
            _, idx, name = key.split(".", 2)
            state.setdefault(int(idx), {})[name] = value
    for key, value in meta.pop("optimizer_scalars").items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v for k, v in group.items()}
              for group in meta.pop("optimizer_groups")]  # JSON turned tuples such as Adam's betas into lists
    optimizer.load_state_dict({"state": state, "param_groups": groups})
    return meta, {k: v for k, v in flat.items() if not k.startswith("opt.")}


def verify_training_state(folder: Path, config: dict[str, Any]) -> None:
    """Both training-state files exist and match the checksums config.json recorded for them."""
    sums = config.get("files_sha256") or {}
    for name in (TRAIN_STATE, TRAIN_TENSORS):
        path = Path(folder) / name
        if not path.is_file():
            raise ModelFileError(f"{path} is missing, so the run cannot be resumed from {folder}")
        if name in sums and sha256_file(path) != sums[name]:
            raise ModelFileError(f"{path} fails its checksum (truncated or corrupt)")


def load_training_state_meta(folder: Path) -> dict[str, Any]:
    """The JSON half of a checkpoint's training state (step, epoch, ...), without touching an optimizer."""
    try:
        return json.loads((Path(folder) / TRAIN_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{folder} has no readable training state ({exc}); the run cannot be resumed "
                             "from it, start a new run instead") from exc


def export_model(ref: str | Path, target: Path, *, card: str | None = None, half: bool = False) -> Path:
    """Copy a model (a run's best checkpoint, say) into a standalone model folder.

    This is how bundled models are made: optimiser state and RNG are left behind, and
    `half` stores the weights as fp16 (they load back as fp32), halving the file.
    """
    require_new_folder(Path(target), "export --to")
    loaded = load_model(ref)
    return save_model_folder(Path(target), loaded.model, loaded.tokenizer,
                             provenance=loaded.config.get("provenance"), metrics=loaded.config.get("metrics"),
                             card=card, dtype=torch.float16 if half else None)


def read_state_dict(file: Path) -> dict[str, torch.Tensor]:
    """The tensors of a `torch.save(model.state_dict())` file, read with `weights_only=True`, which
    refuses anything but tensors and plain containers, so a malicious pickle cannot run code here."""
    require_regular_file(Path(file), "give a .pt/.pth file saved with torch.save")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(Path(file), map_location="cpu", weights_only=True)
    except Exception as exc:  # the unpickler's refusals come as several exception types
        raise ModelFileError(f"{file} cannot be imported: it holds more than tensors (objects or code), and only "
                             "tensors are ever read from such files; save a plain torch.save(model.state_dict())"
                             ) from exc
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelFileError(f"{file} holds no state dict of tensors; save one with torch.save(model.state_dict())")
    return state


def import_state_dict(file: Path, like: str | Path, target: Path) -> Path:
    """Turn a PyTorch state-dict file into a model folder with `like`'s architecture and tokenizer.

    The file is read with `torch.load(weights_only=True)`, which refuses anything but
    tensors and plain containers, so a malicious pickle cannot run code here.
    """
    require_new_folder(Path(target), "import --to")
    template = load_model(like)
    state = read_state_dict(file)
    state = {k: v for k, v in state.items() if not (template.model.config.tie_weights and k == "decoder.weight")}
    check_state(template.model, state, Path(file))
    template.model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()},
                                   strict=False)
    return save_model_folder(Path(target), template.model, template.tokenizer,
                             provenance={"imported_from": str(file), "architecture_of": str(like)})
