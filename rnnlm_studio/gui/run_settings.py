"""“New run from these settings”: a stored run's `run.toml` as the states the panels restore.

The panels already restore their choices from a state (the settings of the last session), so a
stored run is read the way `train --config` reads it (core/train_options.py) and handed to them in
that form: the user sees every setting in the panel that owns it, changes what they like, and
presses Start. Only what the panels show travels; the new run gets its own name.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.config import TrainConfig
from ..core.runs import RunRecord


def stored_config(record: RunRecord) -> TrainConfig:
    """The run's own settings file; ConfigError (the run folder is damaged) when it cannot be read."""
    return TrainConfig.load(Path(record.run_dir) / "run.toml")


def panel_states(config: TrainConfig, model_state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """States for the Corpus, Model & Transfer and Training panels. `model_state` is the Model panel's
    own state now: the device and the speed estimate belong to this machine, not to the stored run."""
    entries = [(path, "train") for path in config.train]
    entries += [(path, role) for path, role in ((config.valid, "valid"), (config.test, "test")) if path]
    _train, valid, test = config.split
    corpus = {"entries": entries, "valid_percent": valid * 100, "test_percent": test * 100,
              "reuse_source": bool(config.source) and (config.tokenizer == "source" or (
                  config.tokenizer == "auto" and config.transfer != "scratch")),  # as the trainer reads "auto"
              "kind": config.tokenizer_kind, "vocab_size": config.model.vocab_size}
    model = {**model_state, "source": config.source, "transfer": config.transfer, "baseline": config.baseline,
             "copy": list(config.transfer_layers), "freeze": list(config.freeze), "config": config.to_dict()}
    training = {"epochs": config.epochs or 0.0, "steps": config.max_steps or 0,
                "seconds": config.time_budget or 0.0}
    return {"corpus": corpus, "model": model, "training": training}
