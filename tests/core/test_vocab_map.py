"""Moving a model onto a new tokenizer: shared rows copied, new rows composed, coverage reported."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.errors import ConfigError
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.vocab_map import RowPlan, map_rows, map_vocabulary, plan_rows

BYTE = re.compile(r"<0x[0-9A-F]{2}>")


@pytest.fixture(scope="module")
def tokenizers(shakespeare_small: dict[str, Path]) -> tuple[Tokenizer, Tokenizer]:
    source = Tokenizer.train(Corpus.open([shakespeare_small["train"]]), "unigram", 400)[0]
    target = Tokenizer.train(Corpus.open([shakespeare_small["valid"]]), "bpe", 350)[0]
    return source, target


@pytest.fixture(scope="module", params=[True, False], ids=["tied", "untied"])
def mapped(request: pytest.FixtureRequest, tokenizers: tuple[Tokenizer, Tokenizer]) -> tuple[RNNLM, RNNLM, str]:
    source_tok, target_tok = tokenizers
    torch.manual_seed(0)
    model = RNNLM(ModelConfig(vocab_size=source_tok.vocab_size, emb_size=16, hidden_size=24,
                              tie_weights=request.param))
    with torch.no_grad():
        model.decoder.bias.normal_()
    result, coverage = map_vocabulary(model, source_tok, target_tok)
    return model, result, coverage


def shared_and_new(tokenizers: tuple[Tokenizer, Tokenizer]) -> tuple[list[tuple[int, int]], list[int]]:
    source, target = tokenizers
    index = {piece: i for i, piece in enumerate(source.pieces())}
    shared = [(t, index[p]) for t, p in enumerate(target.pieces()) if p in index]
    new = [t for t, p in enumerate(target.pieces()) if p not in index and t != target.eos_id]
    return shared, new


def test_the_two_vocabularies_overlap_but_differ(tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    shared, new = shared_and_new(tokenizers)
    assert len(shared) > 200 and len(new) > 10  # the other tests below cover both kinds of piece


def test_shared_pieces_are_copied_exactly(mapped: tuple[RNNLM, RNNLM, str],
                                          tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    model, result, _ = mapped
    shared, _ = shared_and_new(tokenizers)
    assert result.config.vocab_size == tokenizers[1].vocab_size
    for t, s in shared:
        assert torch.equal(result.embedding.weight[t], model.embedding.weight[s]), tokenizers[1].id_to_piece(t)
        assert torch.equal(result.decoder.weight[t], model.decoder.weight[s])
        assert result.decoder.bias[t] == model.decoder.bias[s]
    source, target = tokenizers
    assert torch.equal(result.embedding.weight[target.eos_id], model.embedding.weight[source.eos_id])


def test_new_pieces_are_the_mean_of_the_source_pieces_they_split_into(
        mapped: tuple[RNNLM, RNNLM, str], tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    model, result, _ = mapped
    source, target = tokenizers
    plan = plan_rows(source, target)
    _, new = shared_and_new(tokenizers)
    checked = 0
    for t in new:
        piece, ids = target.id_to_piece(t), plan.sources[t]
        parts = [source.id_to_piece(i) for i in ids]
        if any(BYTE.fullmatch(p) for p in parts):
            continue
        # exactly the piece's text: "he" inside a word must not become the word start "\u2581he"
        assert "".join(parts) == piece and len(parts) >= 2, (piece, parts)
        checked += 1
        for name in ("embedding.weight", "decoder.weight", "decoder.bias"):
            want = model.state_dict()[name][ids].mean(dim=0)
            torch.testing.assert_close(result.state_dict()[name][t], want, rtol=0, atol=1e-7, msg=piece)
    assert checked > 10


def test_everything_else_is_kept(mapped: tuple[RNNLM, RNNLM, str]) -> None:
    model, result, _ = mapped
    for name, value in model.state_dict().items():
        if not name.startswith(("embedding.", "decoder.")):
            assert torch.equal(result.state_dict()[name], value), name
    assert result.config.tie_weights == model.config.tie_weights
    if model.config.tie_weights:
        assert result.decoder.weight is result.embedding.weight


def test_a_piece_without_a_split_falls_back_to_the_mean_row() -> None:
    matrix = torch.arange(12, dtype=torch.float32).view(4, 3)
    plan = RowPlan(sources=[[2], [0, 3], []], copied=1, composed=1, new=1)
    rows = map_rows(matrix, plan)
    assert torch.equal(rows[0], matrix[2])
    assert torch.equal(rows[1], (matrix[0] + matrix[3]) / 2)
    assert torch.equal(rows[2], matrix.mean(dim=0))
    bias = map_rows(torch.tensor([1.0, 2.0, 3.0, 6.0]), plan)
    assert bias.tolist() == [3.0, 3.5, 3.0]


def test_coverage_counts_add_up(mapped: tuple[RNNLM, RNNLM, str], tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    _, _, coverage = mapped
    source, target = tokenizers
    plan = plan_rows(source, target)
    assert plan.copied + plan.composed + plan.new == target.vocab_size == len(plan.sources)
    shared, _ = shared_and_new(tokenizers)
    assert plan.copied == len(shared) + (target.id_to_piece(target.eos_id) not in source.pieces())
    assert plan.new == sum(1 for ids in plan.sources if not ids)
    numbers = [int(n) for n in re.findall(r"\d+", coverage)]
    assert numbers == [plan.copied, target.vocab_size, plan.composed, plan.new]


def test_the_same_tokenizer_maps_onto_itself(tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    source, _ = tokenizers
    plan = plan_rows(source, source)
    assert plan.copied == source.vocab_size and plan.composed == plan.new == 0
    assert plan.sources == [[i] for i in range(source.vocab_size)]


@pytest.mark.parametrize("new_pieces", ["mean", "random"])
def test_new_pieces_can_start_plain_instead_of_composed(tokenizers: tuple[Tokenizer, Tokenizer],
                                                        new_pieces: str) -> None:
    """The comparison the Chinese transfer needs: composed rows against a plain new embedding."""
    source, target = tokenizers
    torch.manual_seed(0)
    model = RNNLM(ModelConfig(vocab_size=source.vocab_size, emb_size=16, hidden_size=24, tie_weights=False))
    torch.manual_seed(1)
    result, coverage = map_vocabulary(model, source, target, new_pieces)
    torch.manual_seed(1)
    fresh = RNNLM(dataclasses.replace(model.config, vocab_size=target.vocab_size))
    shared, new = shared_and_new(tokenizers)
    plan = plan_rows(source, target, new_pieces)
    assert plan.composed == 0 and plan.new == len(new) and plan.copied == target.vocab_size - len(new)
    assert coverage.endswith(f"{len(new)} new ({'random init' if new_pieces == 'random' else 'mean embedding'})")
    for t, s in shared:  # shared pieces are copied whatever the choice
        assert torch.equal(result.embedding.weight[t], model.embedding.weight[s])
    for name in ("embedding.weight", "decoder.weight", "decoder.bias"):
        want = fresh.state_dict()[name] if new_pieces == "random" else model.state_dict()[name].mean(dim=0).expand(
            target.vocab_size, *model.state_dict()[name].shape[1:])
        assert torch.equal(result.state_dict()[name][new], want[new]), name


def test_new_pieces_option_is_checked() -> None:
    config = TrainConfig(train=["x.txt"], new_pieces="bytes")
    with pytest.raises(ConfigError, match="`new_pieces` 'bytes' is not one of: compose, mean, random"):
        config.validate()
