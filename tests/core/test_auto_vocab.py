"""A vocabulary nobody chose follows the size of the training text."""
from __future__ import annotations

from pathlib import Path

from rnnlm_studio.cli import build_parser
from rnnlm_studio.core.config import AUTO_VOCAB, TrainConfig
from rnnlm_studio.core.dataset import open_sources, prepare_dataset
from rnnlm_studio.core.tokenizer import AUTO_MAX_VOCAB, MIN_VOCAB, auto_vocab_size
from rnnlm_studio.core.train_options import config_from_args


def test_the_rule_grows_with_the_text_and_stops_at_the_tuned_size() -> None:
    sizes = [auto_vocab_size(n) for n in (0, 10_000, 120_000, 1_000_000, 3_600_000, 50_000_000)]
    assert sizes == [MIN_VOCAB, MIN_VOCAB + 200, MIN_VOCAB + 700, MIN_VOCAB + 2000, AUTO_MAX_VOCAB, AUTO_MAX_VOCAB]
    assert sizes[2] < 1000  # hundreds of pieces, not thousands, on 120 KB


def test_a_run_without_a_vocabulary_size_gets_the_rule_s(shakespeare_small: dict[str, Path]) -> None:
    config = TrainConfig(train=[str(shakespeare_small["train"])], valid=str(shakespeare_small["valid"]))
    assert config.model.vocab_size == AUTO_VOCAB
    config.validate()
    data = prepare_dataset(config)
    train_bytes = open_sources(config)[0].stats().bytes
    assert data.tokenizer.vocab_size == auto_vocab_size(train_bytes) and not data.warnings


def test_the_command_line_leaves_it_to_the_rule_unless_told() -> None:
    parse = build_parser().parse_args
    assert config_from_args(parse(["train", "--train", "a.txt"])).model.vocab_size == AUTO_VOCAB
    assert config_from_args(parse(["train", "--train", "a.txt", "--vocab-size", "700"])).model.vocab_size == 700
