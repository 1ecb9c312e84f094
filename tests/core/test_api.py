"""The Python API as a notebook uses it: train, load, generate, complete, evaluate; stop; threads."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

TINY = dict(vocab_size=300, emb_size=32, hidden_size=64, batch_size=16, bptt=16, lr=3e-2, warmup_steps=5,
            precision="fp32", device="cpu")


def test_import_is_light() -> None:
    """`import rnnlm_studio` and naming the API do not load torch: it loads on first use."""
    code = ("import sys, rnnlm_studio; from rnnlm_studio import train, load_model, generate, complete, evaluate, "
            "TrainConfig; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_notebook_snippet(shakespeare_small: dict[str, Path]) -> None:
    from rnnlm_studio import TrainConfig, complete, evaluate, generate, load_model, train

    config = TrainConfig(valid=str(shakespeare_small["valid"]), test=str(shakespeare_small["test"]),
                         max_steps=30, eval_every=10)
    run = train(shakespeare_small["train"], config, **TINY)
    kinds = [event.kind for event in run]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("eval") == 5, kinds
    assert run.done.reason == "budget" and run.done.step == 30
    model = load_model(run.done.run_dir)
    text = generate(model, "ROMEO:", max_tokens=12, seed=3)
    assert text and text == generate(model, "ROMEO:", max_tokens=12, seed=3)
    suggestions = complete(model, "the ", k=3)
    assert 1 <= len(suggestions.words) <= 3
    scores = evaluate(run.done.run_dir, shakespeare_small["test"], device="cpu")
    assert scores["loss"] == pytest.approx(run.done.test["loss"], rel=1e-4)


def test_events_match_the_cli_json(shakespeare_small: dict[str, Path], tmp_path: Path) -> None:
    """Same config, same seed on the CPU: the API's events are the CLI's `--json` lines."""
    from rnnlm_studio import train

    options = dict(TINY, valid=str(shakespeare_small["valid"]), max_steps=20, eval_every=10, threads=1)
    api_events = [event.to_dict() for event in train(shakespeare_small["train"], **options)]
    argv = [sys.executable, "-m", "rnnlm_studio.cli", "train", "--json", "--train", str(shakespeare_small["train"]),
            "--valid", options["valid"], "--max-steps", "20", "--eval-every", "10", "--threads", "1",
            "--vocab-size", "300", "--emb-size", "32", "--hidden-size", "64", "--batch-size", "16", "--bptt", "16",
            "--lr", "0.03", "--warmup-steps", "5", "--precision", "fp32", "--device", "cpu"]
    env = dict(os.environ, RNNLM_STUDIO_HOME=str(tmp_path / "cli-home"), OMP_NUM_THREADS="1")
    out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout
    cli_events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in api_events] == [e["event"] for e in cli_events]
    for ours, theirs in zip(api_events, cli_events):
        assert set(ours) == set(theirs)
        if ours["event"] in ("step", "eval"):
            assert ours["step"] == theirs["step"] and ours["loss"] == pytest.approx(theirs["loss"], rel=1e-5)
    assert api_events[-1]["valid"]["loss"] == pytest.approx(cli_events[-1]["valid"]["loss"], rel=1e-5)


def test_no_budget_trains_one_epoch_and_keeps_the_thread_count(shakespeare_small: dict[str, Path]) -> None:
    from rnnlm_studio import train

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the CLI's default would set every core
    try:
        seen = []
        run = train([shakespeare_small["train"]], valid=str(shakespeare_small["valid"]), eval_every=1000,
                    **dict(TINY, bptt=64, batch_size=32))
        for event in run:
            seen.append(torch.get_num_threads())
            if event.kind == "start":
                start = event
        assert start.config["epochs"] == 1.0 and start.total_steps == start.steps_per_epoch
        assert set(seen) == {1}
        assert run.done.reason == "budget" and run.done.step == start.steps_per_epoch
    finally:
        torch.set_num_threads(before)


def test_ctrl_c_stops_like_the_stop_button_and_resumes(shakespeare_small: dict[str, Path]) -> None:
    from rnnlm_studio import train
    from rnnlm_studio.core.runs import RunStore

    before = signal.getsignal(signal.SIGINT)  # Python's own, or SIG_IGN when started in the background
    run = train(shakespeare_small["train"], valid=str(shakespeare_small["valid"]), max_steps=60, eval_every=1000,
                **TINY)
    for event in run:
        if event.kind == "step" and event.step == 10:
            os.kill(os.getpid(), signal.SIGINT)  # what a notebook's Interrupt sends
    assert run.done.reason == "stopped" and 10 <= run.done.step < 60
    record = RunStore().get(run.done.run_id)
    assert record.status == "stopped"
    resumed = train(resume=run.done.run_id, **TINY).run()
    assert resumed.reason == "budget" and resumed.step == 60 and resumed.run_id == run.done.run_id
    assert signal.getsignal(signal.SIGINT) is before, "the caller's Ctrl-C handler is given back"


def test_leaving_the_loop_stops_the_run_cleanly(shakespeare_small: dict[str, Path]) -> None:
    from rnnlm_studio import train
    from rnnlm_studio.core.runs import RunStore

    run = train(shakespeare_small["train"], valid=str(shakespeare_small["valid"]), max_steps=60, eval_every=1000,
                **TINY)
    events = iter(run)
    start = next(events)
    for event in events:
        if event.kind == "step":
            break
    events.close()
    assert RunStore().get(start.run_id).status == "stopped"


def test_unknown_option_is_named() -> None:
    from rnnlm_studio import train
    from rnnlm_studio.core.errors import StudioError

    with pytest.raises(StudioError, match="hiden_size"):
        train("x.txt", hiden_size=3)


def test_a_word_level_run_trains(shakespeare_small: dict[str, Path]) -> None:
    from rnnlm_studio import train

    events = list(train(shakespeare_small["train"], valid=str(shakespeare_small["valid"]), tokenizer_kind="word",
                        **dict(TINY, vocab_size=800, max_steps=20, eval_every=10)))
    assert events[0].kind == "start" and events[0].config["tokenizer_kind"] == "word"
    assert any(e.kind == "log" and "<unk>" in e.message for e in events)
    assert events[-1].kind == "done" and events[-1].reason == "budget"
