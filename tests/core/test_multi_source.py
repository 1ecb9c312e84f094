"""Several sources: average, mixture (gate, frozen encoders, saved folder), chain lineage, refusals."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.errors import ConfigError, TransferError
from rnnlm_studio.core.events import DoneEvent, LogEvent, StartEvent
from rnnlm_studio.core.evaluate import evaluate_text
from rnnlm_studio.core.mixture import MixtureLM
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.multi_source import average_sources, build_mixture
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.sampling import generate
from rnnlm_studio.core.sampling_options import SamplingOptions
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.trainer import train
from tests.conftest import SHARED_DATA

CHINESE = SHARED_DATA / "chinese-classics" / "hongloumeng.txt"
SMALL = ModelConfig(emb_size=8, hidden_size=12, layers=2, dropout_input=0.0, dropout_hidden=0.0, dropout_output=0.0)


@pytest.fixture(scope="module")
def english(shakespeare_small: dict[str, Path]) -> Tokenizer:
    return Tokenizer.train(Corpus.open([shakespeare_small["train"]]), "unigram", 200)[0]


def loaded(tokenizer: Tokenizer, config: ModelConfig, name: str, seed: int) -> ckpt.LoadedModel:
    torch.manual_seed(seed)
    model = RNNLM(dataclasses.replace(config, vocab_size=tokenizer.vocab_size))
    return ckpt.LoadedModel(model=model, tokenizer=tokenizer, config={}, path=Path(name), name=name)


def saved(tmp_path: Path, source: ckpt.LoadedModel) -> str:
    return str(ckpt.save_model_folder(tmp_path / source.name, source.model, source.tokenizer))


def ids(vocab: int) -> torch.Tensor:
    return torch.randint(0, vocab, (2, 9), generator=torch.Generator().manual_seed(3))


def test_the_average_of_two_identical_sources_is_the_source(english: Tokenizer) -> None:
    a = loaded(english, SMALL, "a", 0)
    b = dataclasses.replace(a, name="b")
    average = average_sources([a, b], [0.7, 0.3])
    for name, value in a.model.state_dict().items():
        assert torch.allclose(average.model.state_dict()[name], value, atol=1e-6), name


def test_the_average_follows_the_weights(english: Tokenizer) -> None:
    a, b = loaded(english, SMALL, "a", 0), loaded(english, SMALL, "b", 1)
    average = average_sources([a, b], [3.0, 1.0])
    want = 0.75 * a.model.rnn[0].weight_hh_l0 + 0.25 * b.model.rnn[0].weight_hh_l0
    assert torch.allclose(average.model.rnn[0].weight_hh_l0, want, atol=1e-6)


def test_averaging_different_architectures_names_what_differs(english: Tokenizer) -> None:
    a, b = loaded(english, SMALL, "a", 0), loaded(english, dataclasses.replace(SMALL, layers=1), "b", 1)
    with pytest.raises(TransferError, match="one architecture: a and b differ \\(layers 2 against 1\\)"):
        average_sources([a, b], [])


def mixture(english: Tokenizer) -> tuple[MixtureLM, list[ckpt.LoadedModel]]:
    sources = [loaded(english, SMALL, "a", 0), loaded(english, dataclasses.replace(SMALL, hidden_size=6, layers=1),
                                                       "b", 1)]
    reference = [RNNLM(s.model.config) for s in sources]
    for ref, source in zip(reference, sources):
        ref.load_state_dict(source.model.state_dict())
    config = TrainConfig(train=["x"], source="a", extra_sources=["b"], multi_source="mixture", transfer="feature")
    setup = build_mixture(config, english, sources)
    return setup.model, [dataclasses.replace(s, model=r) for s, r in zip(sources, reference)]


def test_mixture_shapes_gate_and_what_trains(english: Tokenizer) -> None:
    model, sources = mixture(english)
    x = ids(english.vocab_size)
    tops, hidden = model.states(x)
    assert [tuple(t.shape) for t in tops] == [(2, 9, 12), (2, 9, 6)] and len(hidden) == 3
    weights = model.gate_weights(tops)
    assert weights.shape == (2, 9, 2) and torch.allclose(weights.sum(-1), torch.ones(2, 9))
    logits, _ = model(x)
    assert logits.shape == (2, 9, english.vocab_size)
    trainable = {name.split(".")[0] for name, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"adapters", "gate", "decoder"}
    with torch.no_grad():  # a gate all on source a: a's states through a's own output layer
        model.gate.bias.copy_(torch.tensor([50.0, -50.0]))
        model.eval(), sources[0].model.eval()
        assert torch.allclose(model(x)[0], sources[0].model(x)[0], atol=1e-4)


def test_mixture_encoders_stay_frozen_while_the_gate_learns(english: Tokenizer) -> None:
    model, _ = mixture(english)
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    gate = model.gate.weight.detach().clone()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
    x = ids(english.vocab_size)
    logits, _ = model(x)
    torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), x.roll(1).reshape(-1)).backward()
    optimizer.step()
    assert all(torch.equal(p, frozen[n]) for n, p in model.named_parameters() if not p.requires_grad)
    assert not torch.equal(model.gate.weight, gate)


def test_a_saved_mixture_loads_evaluates_and_generates_on_its_own(english: Tokenizer, tmp_path: Path,
                                                                 shakespeare_small: dict[str, Path]) -> None:
    model, _ = mixture(english)
    folder = ckpt.save_model_folder(tmp_path / "mix", model, english)
    back = ckpt.load_model_folder(folder)
    assert isinstance(back.model, MixtureLM) and back.model.names == ["a", "b"]
    assert "A mixture of sources (a, b)" in (folder / "README.md").read_text(encoding="utf-8")
    x = ids(english.vocab_size)
    model.eval()
    with torch.no_grad():
        assert torch.equal(back.model(x)[0], model(x)[0])
    assert evaluate_text(str(folder), [str(shakespeare_small["valid"])], device="cpu")["bpb"] > 0
    assert "".join(generate(back, "The king", SamplingOptions(max_tokens=5, seed=0)))


def test_mixture_refuses_a_source_that_cannot_read_the_target(english: Tokenizer, tmp_path: Path) -> None:
    chinese = tmp_path / "zh.txt"
    chinese.write_text(CHINESE.read_text(encoding="utf-8")[:20_000], encoding="utf-8")
    target = Tokenizer.train(Corpus.open([chinese]), "unigram", 300)[0]
    config = TrainConfig(train=["x"], source="a", extra_sources=["b"], multi_source="mixture", transfer="feature")
    with pytest.raises(TransferError, match="cannot be mapped onto a's vocabulary"):
        build_mixture(config, target, [loaded(english, SMALL, "a", 0), loaded(english, SMALL, "b", 1)])


@pytest.mark.parametrize("changes,message", [
    ({"multi_source": None}, "2 sources given: say how they combine with `multi_source`"),
    ({"multi_source": "mixture", "transfer": "parameter"}, "mixture is feature transfer"),
    ({"transfer": "structure"}, "use `transfer` parameter"),
    ({"source_weights": [1.0]}, "one non-negative weight per source"),
    ({"extra_sources": []}, "needs at least two sources"),
])
def test_impossible_combinations_are_refused(changes: dict, message: str) -> None:
    config = TrainConfig(train=["x"], source="a", extra_sources=["b"], multi_source="average", transfer="parameter")
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(config, **changes).validate()


def test_a_chain_runs_its_stages_as_linked_runs(shakespeare_small: dict[str, Path], tmp_path: Path) -> None:
    data = shakespeare_small
    base = TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), batch_size=8, bptt=16, max_steps=3,
                       eval_every=3, precision="fp32", threads=1, model=dataclasses.replace(SMALL, vocab_size=120))
    first = list(train(base))[-1]
    assert isinstance(first, DoneEvent), first
    events = list(train(dataclasses.replace(base, source=first.best_checkpoint, extra_sources=[str(data["test"])],
                                            multi_source="chain", transfer="parameter", name="target")))
    starts = [e for e in events if isinstance(e, StartEvent)]
    dones = [e for e in events if isinstance(e, DoneEvent)]
    assert len(starts) == 2 and len(dones) == 1, "one done event: the target's"
    assert any(isinstance(e, LogEvent) and "chain stage 1 of 2 done" in e.message for e in events)
    store = RunStore()
    stage, target = store.get(starts[0].run_id), store.get(dones[0].run_id)
    assert stage.config["train"] == [str(data["test"])] and stage.source == first.best_checkpoint
    assert target.source == stage.id, "the target starts from the stage before it"
    assert target.final["lineage"] == [stage.id, target.id]
