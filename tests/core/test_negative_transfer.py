"""Negative transfer, early: a warning while the transfer run trains, from the baseline trained first."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from rnnlm_studio.core import checkpoint as ckpt
from rnnlm_studio.core.baseline import warn_when_behind, train_with_baseline
from rnnlm_studio.core.compare import Curve
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.corpus import Corpus
from rnnlm_studio.core.events import DoneEvent, EvalEvent, LogEvent, StartEvent
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.tokenizer import Tokenizer

TOKENS = [100, 200, 300, 400, 500]


def curve(bpb: list[float], accuracy: list[float] | None = None) -> Curve:
    return Curve("base", "scratch", TOKENS, [1, 2, 3, 4, 5], [0.0] * 5, [math.nan] * 5, bpb, [math.nan] * 5,
                 accuracy or [])


def lm_eval(tokens: int, bpb: float, **extra: float) -> EvalEvent:
    return EvalEvent(step=tokens // 100, tokens_seen=tokens, elapsed=1.0, split="valid", loss=bpb, ppl=1.0,
                     word_ppl=1.0, bpb=bpb, extra=dict(extra))


def warnings_after(events: list) -> list[int]:
    """The index, in the watched stream, of each warning."""
    return [i for i, e in enumerate(events) if isinstance(e, LogEvent) and e.level == "warning"]


def test_two_evaluations_in_a_row_behind_the_baseline_warn_once() -> None:
    baseline = curve([2.0, 1.8, 1.6, 1.5, 1.4])
    transfer = [lm_eval(100, 1.9), lm_eval(200, 1.9), lm_eval(300, 1.7), lm_eval(400, 1.8), lm_eval(500, 1.3)]
    watched = list(warn_when_behind(transfer, baseline))
    assert warnings_after(watched) == [3]  # right after the second evaluation in a row behind
    assert "1.700 against 1.600 bits per byte at 300 tokens" in watched[3].message
    alternating = [lm_eval(100, 2.1), lm_eval(200, 1.7), lm_eval(300, 1.7), lm_eval(400, 1.4), lm_eval(500, 1.5)]
    assert warnings_after(list(warn_when_behind(alternating, baseline))) == []
    assert warnings_after(list(warn_when_behind(transfer, None))) == []


def test_a_task_run_is_behind_when_its_accuracy_is_lower() -> None:
    baseline = curve([math.nan] * 5, [0.5, 0.6, 0.7, 0.8, 0.9])
    events = [lm_eval(t, math.nan, accuracy=a, macro_f1=a) for t, a in zip(TOKENS, [0.6, 0.55, 0.65, 0.9, 0.95])]
    watched = list(warn_when_behind(events, baseline))
    assert warnings_after(watched) == [3] and "accuracy 65.0% against 70.0%" in watched[3].message
    final = [lm_eval(300, math.nan, accuracy=0.1, final=1.0), lm_eval(300, math.nan, accuracy=0.1, final=1.0)]
    assert warnings_after(list(warn_when_behind(final, baseline))) == []  # final scores are not "points"


@pytest.fixture(scope="module")
def bad_source(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    """An untrained source: its frozen random features are worse than training from scratch."""
    root = tmp_path_factory.mktemp("bad-source")
    tokenizer, _ = Tokenizer.train(Corpus.open([shakespeare_small["train"]]), "unigram", 300)
    torch.manual_seed(5)
    model = RNNLM(ModelConfig(vocab_size=tokenizer.vocab_size, emb_size=32, hidden_size=32))
    return ckpt.save_model_folder(root / "random-source", model, tokenizer)


def negative_config(data: dict[str, Path], source: Path) -> TrainConfig:
    return TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), source=str(source), transfer="feature",
                       baseline=True, batch_size=16, bptt=16, max_steps=60, eval_every=15, eval_tokens=4000,
                       precision="fp32", threads=1, name="doomed")


@pytest.fixture(scope="module")
def negative_events(bad_source: Path, shakespeare_small: dict[str, Path],
                    tmp_path_factory: pytest.TempPathFactory) -> list:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(tmp_path_factory.mktemp("negative-home")))
        return list(train_with_baseline(negative_config(shakespeare_small, bad_source)))


def test_the_warning_arrives_while_the_transfer_run_trains(negative_events: list) -> None:
    starts = [i for i, e in enumerate(negative_events) if isinstance(e, StartEvent)]
    assert len(starts) == 2, negative_events[-1]
    assert negative_events[starts[0]].config["transfer"] == "scratch"  # the baseline trains first
    done = negative_events[-1]
    assert isinstance(done, DoneEvent) and done.run_id == negative_events[starts[1]].run_id
    assert done.baseline["negative"]
    warned = [i for i, e in enumerate(negative_events) if isinstance(e, LogEvent) and e.level == "warning"
              and e.message.startswith("negative transfer so far")]
    evals = [i for i, e in enumerate(negative_events) if isinstance(e, EvalEvent) and i > starts[1]]
    assert warned and starts[1] < warned[0] < evals[-1], "the warning must come before the run ends"
