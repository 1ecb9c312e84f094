"""How long an epoch will take, before a run starts: parameters, this machine's speed, the estimate.

The speed is measured, not assumed: a short calibration times real training steps (forward,
backward, clipping and an AdamW step) of the architecture the form describes, on random tokens,
in the background. A matmul probe scaled by an assumed efficiency missed by 6× before the first
run (issue #20): a small-batch recurrent step is bound by latency and the softmax, not by matmul
peak. Speeds are kept as parameter-tokens per second (tokens/s × parameters), the unit a finished
run's measured throughput also gives, which replaces the calibration.
"""
from __future__ import annotations

import time

import torch
from torch.nn import functional as F

from .config import ModelConfig, TrainConfig
from .device import resolve_device
from .model import RNNLM
from .run_loop import apply_gradients

CALIBRATION_SECONDS = 1.0  # of timed steps, after WARM_UP_STEPS untimed ones
WARM_UP_STEPS = 2
_measured: dict[tuple, float] = {}  # (architecture, batch, bptt) -> parameter-tokens per second


def count_parameters(model: ModelConfig) -> int:
    return RNNLM(model).num_parameters()


def measure_tokens_per_s(model: ModelConfig, batch_size: int, bptt: int,
                         seconds: float = CALIBRATION_SECONDS) -> float:
    """Training tokens per second this machine reaches on `model` with this batch shape."""
    torch.manual_seed(0)
    device, precision = resolve_device(TrainConfig(device="cpu"))  # bf16 where this CPU does it, as a run
    net = RNNLM(model).train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
    ids = torch.randint(model.vocab_size, (batch_size, bptt + 1))

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits, _hidden = net(ids[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), ids[:, 1:].reshape(-1))
        apply_gradients(optimizer, loss, 0.25)

    for _ in range(WARM_UP_STEPS):  # allocation and first-call costs are not the steady speed
        step()
    started, steps = time.perf_counter(), 0
    while steps < 2 or time.perf_counter() - started < seconds:
        step()
        steps += 1
    return batch_size * bptt * steps / (time.perf_counter() - started)


def count_and_measure(model: ModelConfig, batch_size: int, bptt: int) -> tuple[int, float]:
    """Parameters of `model`, and this machine's speed on it in parameter-tokens per second (measured once
    per architecture and batch shape)."""
    parameters = count_parameters(model)
    key = (repr(model), batch_size, bptt)
    if key not in _measured:
        _measured[key] = measure_tokens_per_s(model, batch_size, bptt) * parameters
    return parameters, _measured[key]


def speed_from_throughput(tokens_per_s: float, parameters: int) -> float:
    """A run's measured throughput as a speed in parameter-tokens per second."""
    return tokens_per_s * parameters


def epoch_seconds(train_tokens: int, parameters: int, speed: float) -> float:
    return train_tokens * parameters / speed
