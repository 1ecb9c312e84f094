"""Does the trainer's machinery (events, run store, checkpoints, schedules) cost speed?

The project's trainer, run through the CLI for `--max-steps N`, is timed against a bare PyTorch
loop that trains the identical model on the identical token ids: `RNNLM` built from the trainer's
own resolved config (read from its start event), AdamW with its lr and weight decay, the same
batch size and bptt, bf16 autocast when the trainer chose bf16, hidden state carried and detached,
gradient clipping. Both run with the same torch thread count, one after the other, and both are
timed over the same steps: the first `--warmup` steps (allocator and kernel warm-up) and
everything before the first step (imports, tokenizer training) are excluded.

The trainer's side is timed twice. Its step events report `elapsed`, which the trainer clocks
around each step only; the wall clock between the arrival of the two step events also covers
batching, event writing and whatever else the machinery does between steps. The verdict uses
the wall clock, since that overhead is what this benchmark exists to catch.
Target: trainer / bare >= 0.95.

    python -m tests.bench.bench_throughput [--steps 100] [--warmup 10] [--threads N]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.model import RNNLM, detach_hidden
from rnnlm_studio.core.tokenizer import Tokenizer

from . import common

TARGET_RATIO = 0.95
FORWARDED_FLAGS = ("batch_size", "bptt", "precision", "emb_size", "hidden_size", "layers", "vocab_size")


def cli_args(train: Path, valid: Path, args: argparse.Namespace) -> list[str]:
    flags = ["train", "--train", str(train), "--valid", str(valid), "--max-steps", str(args.steps),
             "--seed", str(args.seed), "--threads", str(args.threads)]
    for name in FORWARDED_FLAGS:
        if getattr(args, name) is not None:
            flags += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    return flags


def timed_window(events: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    """Tokens/s between the first step event at or after `warmup` and the last step event."""
    steps = [e for e in events if e["event"] == "step"]
    after = [e for e in steps if e["step"] >= warmup]
    if len(after) < 2:
        raise common.BenchError(f"the trainer reported {len(steps)} step events, too few after the "
                                f"{warmup}-step warm-up to time; raise --steps")
    first, last = after[0], after[-1]
    tokens = last["tokens_seen"] - first["tokens_seen"]
    lo, hi = events.index(first), events.index(last)
    return {
        "first_step": first["step"],
        "last_step": last["step"],
        "tokens": tokens,
        "tokens_per_s": tokens / (last["_received"] - first["_received"]),
        "reported_tokens_per_s": tokens / (last["elapsed"] - first["elapsed"]),
        "evals_inside_window": sum(e["event"] == "eval" for e in events[lo:hi]),
    }


def find_tokenizer(done: dict[str, Any]) -> Path:
    candidates = [Path(done["best_checkpoint"]) / "tokenizer.model",
                  *sorted(Path(done["run_dir"]).rglob("tokenizer.model"))]
    for path in candidates:
        if path.is_file():
            return path
    raise common.BenchError(f"no tokenizer.model in run folder {done['run_dir']}: the checkpoint format changed")


def token_ids(tokenizer: Path, train: Path) -> torch.Tensor:
    """The run's own tokenizer, encoding lines with end-of-line ids as the trainer's stream does."""
    return torch.tensor(Tokenizer.load(tokenizer).encode_lines(train.read_text(encoding="utf-8")),
                        dtype=torch.long)


def bare_loop(ids: torch.Tensor, start: dict[str, Any], first_step: int, last_step: int) -> dict[str, Any]:
    """The trainer's step, written as plainly as PyTorch allows; times steps first_step+1..last_step."""
    config = start["config"]
    torch.manual_seed(config["seed"])
    device = torch.device(start["device"])
    model = RNNLM(ModelConfig(**config["model"])).to(device).train()
    if model.num_parameters() != start["parameters"] or int(ids.max()) >= model.config.vocab_size:
        raise common.BenchError(f"the bare model ({model.num_parameters():,} parameters) does not match the "
                                f"trainer's ({start['parameters']:,}) or its token ids: the start event's "
                                f"config is not the model the trainer built")
    optimizer = torch.optim.AdamW(model.parameters(), lr=TrainConfig.from_dict(config).peak_lr,
                                  weight_decay=config["weight_decay"])
    batch, bptt = config["batch_size"], config["bptt"]
    columns = ids[: ids.numel() // batch * batch].view(batch, -1).to(device)
    windows = (columns.size(1) - 1) // bptt
    hidden, began, tokens = None, 0.0, 0
    for step in range(1, last_step + 1):
        if step == first_step + 1:
            _synchronize(device)
            began = time.perf_counter()
        offset = ((step - 1) % windows) * bptt
        x, y = columns[:, offset:offset + bptt], columns[:, offset + 1:offset + 1 + bptt]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=start["precision"] == "bf16"):
            logits, hidden = model(x, hidden)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config["clip"])
        optimizer.step()
        hidden = detach_hidden(hidden)
        loss.item()
        if step > first_step:
            tokens += y.numel()
    _synchronize(device)
    return {"tokens": tokens, "tokens_per_s": tokens / (time.perf_counter() - began)}


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="trainer steps (--max-steps), default 100")
    parser.add_argument("--warmup", type=int, default=10, help="steps excluded from timing, default 10")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads for both sides")
    parser.add_argument("--seed", type=int, default=0)
    for name in FORWARDED_FLAGS:
        kind = {"choices": ("fp32", "bf16")} if name == "precision" else {"type": int}
        parser.add_argument(f"--{name.replace('_', '-')}", default=None, **kind,
                            help="forwarded to the CLI (default: the trainer's default)")
    args = parser.parse_args(argv)
    train, valid = common.require(common.WIKI_VALID), common.require(common.WIKI_TEST)

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-throughput-") as home:
        events = common.run_cli(cli_args(train, valid, args), timeout=3600, home=Path(home))
        done = common.done_event(events)
        start = next(e for e in events if e["event"] == "start")
        ids = token_ids(find_tokenizer(done), train)
    trainer = timed_window(events, args.warmup)
    bare = bare_loop(ids, start, trainer["first_step"], trainer["last_step"])
    ratio = trainer["tokens_per_s"] / bare["tokens_per_s"]

    model = start["config"]["model"]
    setup = (f"{model['cell']} {model['layers']}x{model['hidden_size']} emb {model['emb_size']} "
             f"vocab {model['vocab_size']}, batch {start['config']['batch_size']} x bptt "
             f"{start['config']['bptt']}, {start['precision']}, {args.threads} threads, steps "
             f"{trainer['first_step'] + 1}..{trainer['last_step']} timed")
    headers = ["bare tok/s", "trainer tok/s (wall)", "trainer/bare", "target", "pass",
               "trainer tok/s (own clock)", "evals in window"]
    row = [bare["tokens_per_s"], trainer["tokens_per_s"], ratio, f">= {TARGET_RATIO}", ratio >= TARGET_RATIO,
           trainer["reported_tokens_per_s"], trainer["evals_inside_window"]]
    common.print_table(f"trainer vs bare PyTorch loop: {setup}", headers, [row])
    common.write_results("bench_throughput", {"setup": setup, "results": [{
        "bare": bare, "trainer": trainer, "done_tokens_per_s": done["tokens_per_s"], "ratio": ratio,
        "target": TARGET_RATIO, "passed": ratio >= TARGET_RATIO, "start": start}]})


if __name__ == "__main__":
    main()
