"""Where a model came from: the ancestry of a run or a model folder, oldest first.

A run's row names its sources (`--source`, several with `--multi-source`), and a model folder's
config.json names the run it was trained in and that run's sources (its provenance). Following
those links back gives a small graph: a chain as a rule, with several parents where sources were
combined. A `--multi-source chain` needs nothing of its own: its stages are ordinary runs linked by
their sources; the lineage the last run's row keeps only numbers the stages and bridges a stage
deleted since. Only the run store and JSON are read, never weights, so this is cheap and needs no
torch (the Runs panel computes it on a worker). An ancestor that has gone since (a run deleted, a
folder moved) is a node marked missing, never an error, so a broken history still shows what is
known.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .errors import StudioError
from .runs import RunRecord, RunStore

RUN, MODEL, BUNDLED = "run", "model folder", "bundled model"
MODEL_CONFIG = "config.json"  # checkpoint.CONFIG, named here so that reading it needs no torch
MAX_NODES = 200  # a guard against a damaged store: real lineages are a handful of nodes
_RUN_ID = re.compile(r"\d{8}-\d{6}-.+-[0-9a-f]{4}")  # runs.py's ids: when a gone ancestor was a run


@dataclass
class LineageNode:
    """One ancestor, or the subject itself. `key` is unique in its lineage; `parents` are keys."""

    key: str
    kind: str  # RUN, MODEL or BUNDLED
    name: str
    id: str  # a run's id; a model folder's path; what a missing ancestor was called
    transfer: str | None = None
    multi_source: str | None = None  # average | mixture: how the parents were combined
    train: list[str] = field(default_factory=list)  # the training text, as parent/name
    valid_bpb: float | None = None  # best validation bits per byte, the network alone
    run_id: str | None = None  # a model folder's: the run it was trained in
    chain_stage: int | None = None  # a `--multi-source chain` run: its stage, of `chain_stages`
    chain_stages: int | None = None
    missing: bool = False
    parents: list[str] = field(default_factory=list)
    generation: int = 0  # 0: an oldest known ancestor; else one more than its latest parent


@dataclass
class Lineage:
    nodes: list[LineageNode]  # oldest first, every node after its parents; the subject last

    @property
    def subject(self) -> LineageNode:
        return self.nodes[-1]

    def node(self, key: str) -> LineageNode:
        return next(node for node in self.nodes if node.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject.key, "nodes": [asdict(node) for node in self.nodes]}


def lineage(ref: str, store: RunStore | None = None) -> Lineage:
    """The ancestry of a run (id, name or folder) or a model (folder, installed or bundled name).

    StudioError when `ref` itself names nothing; an ancestor that has gone is a missing node."""
    walk = _Walk(store if store is not None else RunStore())
    key = walk.visit(str(ref), frozenset())
    if key is None or walk.nodes[key].missing:  # the first node closes no circle: None cannot happen
        raise StudioError(f"no run or model named {ref!r}: `rnnlm-studio runs` lists the runs and "
                          "`rnnlm-studio models` the models")
    return Lineage(walk.ordered(key))


class _Walk:
    """One lineage being read: the nodes found so far, and what chains have told of their stages."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.nodes: dict[str, LineageNode] = {}
        self.stage_before: dict[str, str] = {}  # a chain stage's run id -> the stage before it
        self.stage_of: dict[str, tuple[int, int]] = {}

    def visit(self, ref: str, below: frozenset[str]) -> str | None:
        """The key of `ref`'s node, its ancestors visited first (depth first); None where following
        the link would close a circle (`below` holds the nodes on the way down) or pass MAX_NODES."""
        node, sources = self.resolve(ref)
        if node.key in below:
            return None
        if node.key in self.nodes:
            return node.key
        if len(self.nodes) >= MAX_NODES:
            return None
        self.nodes[node.key] = node
        for source in sources:
            key = self.visit(source, below | {node.key})
            if key is not None and key not in node.parents:
                node.parents.append(key)
        return node.key

    def ordered(self, key: str) -> list[LineageNode]:
        """Oldest first: every node after all its parents (the graph is acyclic by construction)."""
        placed: dict[str, LineageNode] = {}

        def place(current: str) -> None:
            if current in placed:
                return
            node = self.nodes[current]
            for parent in node.parents:
                place(parent)
            node.generation = max((placed[parent].generation + 1 for parent in node.parents), default=0)
            placed[current] = node

        place(key)
        return list(placed.values())

    def resolve(self, ref: str) -> tuple[LineageNode, list[str]]:
        """A reference as `--source` takes it, read in `checkpoint.resolve_model`'s order (a folder,
        an installed or bundled name, a run), with the references of its own sources."""
        path = paths.user_path(ref)
        if path.is_dir():
            record = self._find(str(path))
            if record is not None:
                return self._run_node(record)
            if (path / MODEL_CONFIG).is_file():
                return self._model_node(path)
        elif ref and "/" not in ref:
            for root in (paths.installed_models_dir(), paths.bundled_models_dir()):
                if (root / ref / MODEL_CONFIG).is_file():
                    return self._model_node(root / ref)
        run_id = _run_id_in(path)
        record = self._find(ref) or (self._find(run_id) if run_id else None)
        if record is not None:
            return self._run_node(record)
        return self._missing(ref)

    def _find(self, ref: str) -> RunRecord | None:
        try:
            return self.store.find(ref) if ref else None
        except StudioError:  # none, or several: either way not an ancestor this store can name
            return None

    def _run_node(self, record: RunRecord) -> tuple[LineageNode, list[str]]:
        config = record.config
        chain = record.final.get("lineage")
        if isinstance(chain, list):
            self._learn_chain([str(run_id) for run_id in chain])
        valid = record.final.get("valid")
        bpb = _bpb(record.best) if _bpb(record.best) is not None else _bpb(valid)
        node = LineageNode(key=f"run:{record.id}", kind=RUN, name=record.name, id=record.id,
                           transfer=record.transfer, multi_source=config.get("multi_source"),
                           train=_text_names(config.get("train")), valid_bpb=bpb)
        self._mark_stage(node, record.id)
        sources = [config.get("source"), *(config.get("extra_sources") or [])] if config.get("source") else []
        return node, [str(source) for source in sources if source]

    def _model_node(self, folder: Path) -> tuple[LineageNode, list[str]]:
        """A model folder, told by its provenance: the run it was trained in when this store has it,
        else the sources that run named (a bundled model's run lives in another store)."""
        folder = folder.resolve()
        config = _read_json(folder / MODEL_CONFIG)
        provenance = config.get("provenance") if isinstance(config.get("provenance"), dict) else {}
        metrics = config.get("metrics") if isinstance(config.get("metrics"), dict) else {}
        run_id = provenance.get("run_id")
        bundled = folder.parent == paths.bundled_models_dir().resolve()
        node = LineageNode(key=f"model:{folder}", kind=BUNDLED if bundled else MODEL, name=folder.name,
                           id=str(folder), transfer=_text(provenance.get("transfer")),
                           multi_source=_text(provenance.get("multi_source")),
                           train=_text_names(provenance.get("train")), valid_bpb=_bpb(metrics.get("valid")),
                           run_id=_text(run_id))
        if node.run_id is not None and self._find(node.run_id) is not None:
            return node, [node.run_id]
        sources = provenance.get("sources") or ([provenance["source"]] if provenance.get("source") else [])
        return node, ([str(source) for source in sources if source] if isinstance(sources, list) else [])

    def _missing(self, ref: str) -> tuple[LineageNode, list[str]]:
        """An ancestor named but not found; a chain's stage still has the stage before it."""
        run_id = _run_id_in(Path(ref))
        node = LineageNode(key=f"missing:{run_id or ref}", kind=RUN if run_id else MODEL, name=run_id or ref,
                           id=run_id or ref, missing=True)
        self._mark_stage(node, node.id)
        before = self.stage_before.get(node.id)
        return node, [before] if before else []

    def _learn_chain(self, chain: list[str]) -> None:
        for number, run_id in enumerate(chain):
            self.stage_of[run_id] = (number + 1, len(chain))
            if number:
                self.stage_before[run_id] = chain[number - 1]

    def _mark_stage(self, node: LineageNode, run_id: str) -> None:
        if run_id in self.stage_of:
            node.chain_stage, node.chain_stages = self.stage_of[run_id]


def format_tree(found: Lineage) -> str:
    """The lineage as an indented tree, oldest first: each node under the ones it came from, a node
    with several parents naming them."""
    names = {node.key: node.name for node in found.nodes}
    lines = []
    for node in found.nodes:
        indent = "   " * (node.generation - 1) + "└─ " if node.generation else ""
        lines.append(f"{indent}{node.name}  " + " · ".join(_facts(node, names)))
    return "\n".join(lines)


def _facts(node: LineageNode, names: dict[str, str]) -> list[str]:
    facts = [node.kind if node.kind != RUN or node.name == node.id else f"run {node.id}"]
    if node.missing:
        return [*facts, "missing: deleted or moved since"]
    if node.transfer:
        combined = (f" ({node.multi_source} of {' + '.join(names[key] for key in node.parents)})"
                    if node.multi_source and len(node.parents) > 1 else "")
        facts.append(node.transfer + combined)
    if node.chain_stage is not None:
        facts.append(f"chain stage {node.chain_stage} of {node.chain_stages}")
    if node.train:
        facts.append("trained on " + ", ".join(node.train))
    if node.valid_bpb is not None:
        facts.append(f"valid {node.valid_bpb:.3f} bits/byte")
    if node.run_id is not None and f"run:{node.run_id}" not in node.parents:
        facts.append(f"trained in run {node.run_id}")
    return facts


def _run_id_in(path: Path) -> str | None:
    """The run a reference names: a run folder, or one of its checkpoints (`RUN/checkpoints/best`), so
    that a source deleted with its run is still shown as that run."""
    for name in (path.name, path.parent.parent.name if path.parent.name == "checkpoints" else ""):
        if _RUN_ID.fullmatch(name):
            return name
    return None


def _read_json(path: Path) -> dict[str, Any]:
    """config.json as a dict; an unreadable one is a folder whose provenance is unknown."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _text_names(texts: Any) -> list[str]:
    return [str(paths.portable(str(text))) for text in texts] if isinstance(texts, list) else []


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and value != "" else None


def _bpb(metrics: Any) -> float | None:
    value = metrics.get("bpb") if isinstance(metrics, dict) else None
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
