"""`train_argv` is `config_from_args` read backwards: the GUI hands runs to child processes with it."""
from __future__ import annotations

import dataclasses

import pytest

from rnnlm_studio.cli import build_parser
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.train_options import config_from_args, train_argv


def round_trip(config: TrainConfig) -> TrainConfig:
    return config_from_args(build_parser().parse_args(["train", *train_argv(config)]))


def every_field_changed() -> TrainConfig:
    """Each field away from its default, so a field the command line cannot carry fails the test."""
    model = ModelConfig(cell="gru", vocab_size=777, emb_size=48, hidden_size=96, layers=3, tie_weights=False,
                        dropout_emb=0.05, dropout_input=0.2, dropout_hidden=0.3, dropout_output=0.4,
                        cache_window=300, cache_theta=1.5, cache_lambda=0.3)
    return TrainConfig(train=["/data/a.txt", "/data/b folder"], valid="/data/v.txt", test="/data/t.txt",
                       split=(0.8, 0.1, 0.1), split_seed=3, tokenizer="new", tokenizer_kind="bpe", new_pieces="mean",
                       model=model,
                       source="/models/src", extra_sources=["/models/b", "c"], multi_source="average",
                       source_weights=[0.6, 0.3, 0.1], mapping="lowrank", rank=4, transfer="partial",
                       transfer_layers=["embedding", "rnn.0"], freeze=["embedding"], feature_layer=1,
                       unfreeze_every=40, discriminative_factor=3.1, baseline=True,
                       optimizer="sgd", lr=0.25, weight_decay=0.002, clip=0.0, schedule="plateau", warmup_steps=7,
                       average_from=0.6,
                       batch_size=5, bptt=17, var_bptt=True, epochs=2.5, max_steps=123, time_budget=9.5,
                       eval_every=11, eval_tokens=999, patience=2, seed=-4, device="cpu", precision="fp32",
                       threads=1, name="my run", tensorboard="/logs/tb", output_dir="/runs/here")


def test_every_field_is_away_from_its_default() -> None:
    config, default = every_field_changed(), TrainConfig()
    same = [f.name for f in dataclasses.fields(TrainConfig) if getattr(config, f.name) == getattr(default, f.name)]
    same += [f.name for f in dataclasses.fields(ModelConfig)
             if getattr(config.model, f.name) == getattr(default.model, f.name)]
    assert same == []


@pytest.mark.parametrize("config", [
    every_field_changed(),
    TrainConfig(train=["corpus.txt"], epochs=1.0),
    TrainConfig(train=["corpus.txt"], max_steps=30, lr=None, transfer="ulmfit", source="english-lstm",
                schedule="slanted", unfreeze_every=0, discriminative_factor=2.6),
    TrainConfig(train=["corpus.txt"], time_budget=60.0, lr=8e-3, transfer="feature", source="english-lstm"),
    TrainConfig(train=["corpus.txt"], valid="-v.txt", name="-x", max_steps=5, transfer="partial", source="s",
                transfer_layers=["rnn.0"], freeze=[]),
], ids=["every-field", "defaults", "ulmfit-default-lr", "feature-time-budget", "dashed-values"])
def test_config_round_trips_through_the_command_line(config: TrainConfig) -> None:
    assert round_trip(config) == config


def test_no_budget_means_one_epoch_as_on_the_command_line() -> None:
    assert round_trip(TrainConfig(train=["corpus.txt"])).epochs == 1.0


def test_defaults_are_not_spelled_out_when_unset() -> None:
    argv = train_argv(TrainConfig(train=["corpus.txt"], max_steps=30))
    assert "--lr" not in " ".join(argv) and "--epochs" not in " ".join(argv) and "--var-bptt" not in argv
    assert argv[:2] == ["--train", "corpus.txt"] and "--max-steps=30" in argv
