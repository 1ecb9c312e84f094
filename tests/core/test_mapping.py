"""The learned mapping T: starts at zero, only T trains, the source stays put, folders load as plain models."""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.errors import ConfigError, ModelFileError
from rnnlm_studio.core.events import DoneEvent, StartEvent, StepEvent
from rnnlm_studio.core.mapping import MAPPING_FILE, apply_mapping, checkpoint_writers, is_mapped, \
    load_checkpoint_weights, merged
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.trainer import train
from tests.core.test_trainer import run_until

TIED = ModelConfig(vocab_size=50, emb_size=8, hidden_size=12, layers=2, dropout_input=0.0, dropout_hidden=0.0,
                   dropout_output=0.0)
UNTIED = dataclasses.replace(TIED, tie_weights=False, hidden_size=8)
IDS = torch.randint(0, 50, (3, 7), generator=torch.Generator().manual_seed(0))


def logits(model: RNNLM) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return model(IDS)[0]


def one_step(model: RNNLM, params: list[torch.nn.Parameter]) -> None:
    """A large step, so every T moves away from zero."""
    model.train()
    optimizer = torch.optim.SGD(params, lr=1.0)
    out, _ = model(IDS)
    torch.nn.functional.cross_entropy(out.reshape(-1, 50), IDS.roll(1).reshape(-1)).backward()
    optimizer.step()


@pytest.mark.parametrize("config", [TIED, UNTIED], ids=["tied", "untied"])
@pytest.mark.parametrize("kind,rank", [("embedding", None), ("embedding", 3), ("lowrank", 2)])
def test_t_starts_at_zero_and_only_t_trains(config: ModelConfig, kind: str, rank: int | None) -> None:
    torch.manual_seed(1)
    source = RNNLM(config)
    model = copy.deepcopy(source)
    trainable, message = apply_mapping(model, kind, rank)
    assert torch.equal(logits(model), logits(source)), "before the first step the mapped model is the source"
    assert "starting at zero" in message
    names = {name for name, p in model.named_parameters() if p.requires_grad}
    assert names and all(".parametrizations." in f".{n}" and not n.endswith(".original") for n in names)
    assert {id(p) for p in trainable} == {id(p) for p in model.parameters() if p.requires_grad}
    assert model.num_parameters(trainable_only=True) == sum(p.numel() for p in trainable) < model.num_parameters()
    frozen = {name: p.detach().clone() for name, p in model.named_parameters() if not p.requires_grad}
    one_step(model, trainable)
    for name, p in model.named_parameters():
        if not p.requires_grad:
            assert torch.equal(p, frozen[name]), f"{name} is frozen and must not move"
    assert not torch.equal(logits(model), logits(source)), "T learned something"


def test_lowrank_maps_recurrent_and_output_weights_with_the_given_shapes() -> None:
    model = RNNLM(UNTIED)
    apply_mapping(model, "lowrank", 2)
    mapped = {name.split(".parametrizations.")[0] + "." + name.split(".parametrizations.")[1].split(".")[0]
              for name, _ in model.named_parameters() if ".parametrizations." in name}
    assert mapped == {"rnn.0.weight_ih_l0", "rnn.0.weight_hh_l0", "rnn.1.weight_ih_l0", "rnn.1.weight_hh_l0",
                      "decoder.weight"}
    delta = model.rnn[0].parametrizations.weight_hh_l0[0]
    assert delta.up.shape == (4 * 8, 2) and delta.down.shape == (2, 8) and not delta.up.any()


def test_tied_embedding_mapping_reaches_the_output_layer_too() -> None:
    model = RNNLM(TIED)
    trainable, _ = apply_mapping(model, "embedding", None)
    assert [tuple(p.shape) for p in trainable] == [(8, 8)], "one d x d T, shared by input and output"
    with torch.no_grad():
        trainable[0].fill_(0.1)
    assert torch.equal(model.decoder.weight, model.embedding.weight)


@pytest.mark.parametrize("kind,rank", [("embedding", 8), ("lowrank", 8), ("lowrank", 100)])
def test_a_rank_the_matrices_cannot_take_is_refused(kind: str, rank: int) -> None:
    with pytest.raises(ConfigError, match="`rank` .* must be below"):
        apply_mapping(RNNLM(UNTIED), kind, rank)


def test_merged_is_a_plain_model_computing_the_mapped_logits() -> None:
    model = RNNLM(TIED)
    trainable, _ = apply_mapping(model, "lowrank", 3)
    one_step(model, trainable)
    plain = merged(model)
    assert type(plain) is RNNLM and not is_mapped(plain)
    assert plain.state_dict().keys() == RNNLM(TIED).state_dict().keys()
    assert torch.allclose(logits(plain), logits(model), atol=1e-5)


def test_a_checkpoint_carries_t_back_into_a_fresh_mapped_model(tmp_path: Path) -> None:
    torch.manual_seed(2)
    source = RNNLM(UNTIED)
    model, fresh = copy.deepcopy(source), copy.deepcopy(source)
    trainable, _ = apply_mapping(model, "lowrank", 2)
    apply_mapping(fresh, "lowrank", 2)
    one_step(model, trainable)
    for name, writer in checkpoint_writers(model).items():
        writer(tmp_path / name)
    assert (tmp_path / MAPPING_FILE).is_file()
    load_checkpoint_weights(fresh, tmp_path, torch.device("cpu"))
    assert torch.equal(logits(fresh), logits(model))


def test_a_resume_over_a_changed_source_is_refused(tmp_path: Path) -> None:
    """The checkpoint holds T alone and a resume rebuilds the base from the source as it is then: an
    upgraded bundled model, or a source run trained further, must not silently become the base."""
    torch.manual_seed(3)
    source = RNNLM(UNTIED)
    model = copy.deepcopy(source)
    trainable, _ = apply_mapping(model, "lowrank", 2)
    one_step(model, trainable)
    for name, writer in checkpoint_writers(model).items():
        writer(tmp_path / name)
    changed = copy.deepcopy(source)
    with torch.no_grad():
        changed.embedding.weight.add_(0.01)
    apply_mapping(changed, "lowrank", 2)
    with pytest.raises(ModelFileError, match="has changed since"):
        load_checkpoint_weights(changed, tmp_path, torch.device("cpu"))


def test_config_refuses_mapping_without_a_weight_moving_single_source() -> None:
    for changes, wrong in (({"transfer": "structure"}, "`transfer` structure"),
                           ({"transfer": "scratch", "source": None}, "`transfer` scratch"),
                           ({"extra_sources": ["b"], "multi_source": "average"}, "`multi_source` average")):
        config = TrainConfig(train=["x.txt"], source="a", transfer="parameter", mapping="lowrank")
        config = dataclasses.replace(config, **changes)
        with pytest.raises(ConfigError, match=f"cannot go with {wrong}"):
            config.validate()
    with pytest.raises(ConfigError, match="`rank` sets the rank"):
        TrainConfig(train=["x.txt"], rank=4).validate()


@pytest.fixture(scope="module")
def mapped_run(shakespeare_small: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> TrainConfig:
    """A lowrank run's config over a tiny source trained here."""
    data = shakespeare_small
    base = TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), batch_size=8, bptt=16, max_steps=4,
                       eval_every=4, precision="fp32", threads=1,
                       model=ModelConfig(vocab_size=120, emb_size=8, hidden_size=16))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(tmp_path_factory.mktemp("source-home")))
        source = list(train(base))[-1]
    assert isinstance(source, DoneEvent), source
    return dataclasses.replace(base, source=source.best_checkpoint, transfer="parameter", mapping="lowrank", rank=2,
                               model=ModelConfig(), max_steps=20, eval_every=10)


def test_a_mapped_run_reports_trainable_parameters_and_saves_a_plain_model(mapped_run: TrainConfig) -> None:
    events = list(train(dataclasses.replace(mapped_run)))
    start, done = events[0], events[-1]
    assert isinstance(start, StartEvent) and isinstance(done, DoneEvent), events[-1]
    assert 0 < start.trainable_parameters < start.parameters
    loaded = ckpt.load_model_folder(Path(done.best_checkpoint))  # the ordinary loader: no T in the folder
    assert type(loaded.model) is RNNLM and not is_mapped(loaded.model)
    assert loaded.config["provenance"]["mapping"] == {"kind": "lowrank", "rank": 2, "merged": True}
    assert loaded.config["provenance"]["trainable_parameters"] == start.trainable_parameters
    card = (Path(done.best_checkpoint) / "README.md").read_text(encoding="utf-8")
    assert "merged into these weights" in card and f"{start.trainable_parameters:,} parameters" in card


def test_a_stopped_mapped_run_resumes_where_it_was(mapped_run: TrainConfig) -> None:
    straight = list(train(dataclasses.replace(mapped_run)))
    first = run_until(dataclasses.replace(mapped_run), stop_at=10)
    resumed = list(train(mapped_run, resume=first[0].run_id, overrides={"max_steps": 20}))
    want = {s.step: s.loss for s in straight if isinstance(s, StepEvent) and s.step > 10}
    assert {s.step: s.loss for s in resumed if isinstance(s, StepEvent)} == want
    assert resumed[-1].valid == straight[-1].valid
