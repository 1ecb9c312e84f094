"""Choosing layers with a 2-layer source: partial subsets, --feature-layer, --layers, --no-tie, refusals."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import TRANSFERS, ModelConfig, TrainConfig, layer_options
from rnnlm_studio.core.errors import TransferError
from rnnlm_studio.core.events import LogEvent
from rnnlm_studio.core.transfer import build_target
from tests.core.test_transfer import (group_state, run_with_start_state, same, source, source_dir,  # noqa: F401
                                      target_config)
from tests.e2e.test_cli import cli_process

GROUPS = ("embedding", "rnn.0", "rnn.1", "output")


@pytest.mark.parametrize("copy, freeze", [(["embedding", "rnn.1"], ["rnn.1"]),
                                          (["rnn.0", "rnn.1", "output"], ["rnn.0", "output"])])
def test_partial_copies_and_freezes_any_subset_untied(source: ckpt.LoadedModel, source_dir: Path,  # noqa: F811
                                                      shakespeare_small: dict[str, Path], copy: list[str],
                                                      freeze: list[str]) -> None:
    config = target_config(shakespeare_small, source_dir, "partial", transfer_layers=copy, freeze=freeze)
    config.model.tie_weights = False  # --no-tie: each group is its own tensors, so any subset can be frozen
    events, start, trained = run_with_start_state(config)
    assert not trained.config.tie_weights and trained.config.layers == 2
    for group in GROUPS:
        if group in copy and group != "output":
            assert same(group_state(start, group), group_state(source.model, group)), f"{group} not copied"
        moved = not same(group_state(trained, group), group_state(start, group))
        assert moved == (group not in freeze), f"{group}: frozen {group in freeze}, moved {moved}"
    frozen = sum(p.numel() for group in freeze for p in start.layer_parameters(group))
    assert events[0].trainable_parameters == events[0].parameters - frozen


def test_a_frozen_embedding_can_feed_a_reinitialised_output_matrix(source: ckpt.LoadedModel,  # noqa: F811
                                                                   source_dir: Path,
                                                                   shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "partial", transfer_layers=["embedding", "rnn.0", "rnn.1"],
                           freeze=["embedding"])
    config.model.tie_weights = False
    events, start, trained = run_with_start_state(config)
    assert same(group_state(trained, "embedding"), group_state(source.model, "embedding")), "frozen embedding moved"
    assert start.decoder.weight.shape == (source.tokenizer.vocab_size, 32)  # reads the hidden state directly
    assert not torch.equal(trained.decoder.weight, start.decoder.weight), "the fresh output matrix did not train"
    assert any(isinstance(e, LogEvent) and "`no_tie`: the target's output matrix" in e.message
               and "freshly initialised" in e.message
               for e in events)


def test_feature_transfer_reads_a_chosen_layer(source: ckpt.LoadedModel, source_dir: Path,  # noqa: F811
                                               shakespeare_small: dict[str, Path]) -> None:
    config = target_config(shakespeare_small, source_dir, "feature", feature_layer=0)
    events, start, trained = run_with_start_state(config)
    assert trained.config.layers == 1 and not trained.config.tie_weights
    for group in ("embedding", "rnn.0"):
        assert same(group_state(trained, group), group_state(source.model, group)), f"{group} moved"
    ids = torch.randint(0, source.tokenizer.vocab_size, (2, 12))
    torch.testing.assert_close(start.encode(ids)[0], source.model.rnn[0](source.model.embedding(ids))[0])
    output = sum(p.numel() for p in trained.layer_parameters("output"))
    assert events[0].trainable_parameters == output
    assert any(isinstance(e, LogEvent) and "reads layer rnn.0 of the source's 2" in e.message for e in events)


@pytest.mark.parametrize("layers", [1, 3])
def test_layers_on_a_transfer_target_are_honoured(source: ckpt.LoadedModel, source_dir: Path,  # noqa: F811
                                                  shakespeare_small: dict[str, Path], layers: int) -> None:
    config = target_config(shakespeare_small, source_dir, "parameter")
    config.model = ModelConfig(layers=layers)
    if layers == 1:  # the default is "as the source": a deeper source keeps its depth
        assert build_target(config, source.tokenizer, source).model.config.layers == 2
        return
    setup = build_target(config, source.tokenizer, source)
    assert setup.model.config.layers == 3
    for group in ("embedding", "rnn.0", "rnn.1", "output"):
        assert same(group_state(setup.model, group), group_state(source.model, group)), group
    assert any("rnn.2 to rnn.2 from random weights" in message for message in setup.messages)


@pytest.mark.parametrize("options, needle", [
    (["--transfer", "task", "--layers", "3"], "--transfer task reads text with the source's whole encoder"),
    (["--transfer", "feature", "--feature-layer", "5"], "--feature-layer 5: the source has 2 recurrent layer(s)"),
    (["--transfer", "parameter", "--feature-layer", "0"], "--feature-layer applies to --transfer feature"),
    (["--transfer", "feature", "--layers", "3"], "--layers does not apply to --transfer feature"),
    (["--transfer", "feature", "--hidden-size", "48"], "--hidden-size does not apply to --transfer feature"),
    (["--transfer", "parameter", "--hidden-size", "24"], "--hidden-size 24: the source has 32 units per layer"),
])
def test_refused_layer_options_are_one_clear_line(source_dir: Path, shakespeare_small: dict[str, Path],  # noqa: F811
                                                  tmp_path: Path, options: list[str], needle: str) -> None:
    result: subprocess.CompletedProcess = cli_process(tmp_path, "train", "--train", str(shakespeare_small["train"]),
                                                      "--source", str(source_dir), *options, "--max-steps", "5",
                                                      "--threads", "1")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_build_target_refuses_a_feature_layer_outside_the_source(source: ckpt.LoadedModel,  # noqa: F811
                                                                 source_dir: Path,
                                                                 shakespeare_small: dict[str, Path]) -> None:
    with pytest.raises(TransferError, match="choose 0 to 1"):
        build_target(target_config(shakespeare_small, source_dir, "feature", feature_layer=2), source.tokenizer,
                     source)


ASKED = {"layers": {"model": ModelConfig(layers=3)}, "hidden_size": {"model": ModelConfig(hidden_size=48)},
         "no_tie": {"model": ModelConfig(tie_weights=False)},
         "feature_layer": {"feature_layer": 0}}


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("transfer", TRANSFERS)
def test_the_options_offered_are_the_ones_that_change_the_target(transfer: str, tied: bool) -> None:
    """What a front door offers (layer_options) agrees with the rule itself: an offered option changes the
    architecture the run builds; any other is refused or changes nothing."""
    source = ModelConfig(vocab_size=300, emb_size=16, hidden_size=32, layers=2, tie_weights=tied)
    as_is = TrainConfig(transfer=transfer).target_model(300, source)
    offered = layer_options(transfer, source)
    for name, asked in ASKED.items():
        config = TrainConfig(transfer=transfer, **asked)
        if name in offered:
            assert config.target_model(300, source) != as_is, f"{name} is offered with {transfer} but changes nothing"
            continue
        try:
            changed = config.target_model(300, source) != as_is
        except TransferError:
            continue
        assert not changed, f"{name} changes a {transfer} target but is not offered"
