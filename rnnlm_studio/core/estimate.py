"""How long an epoch will take, before a run starts: parameters, this machine's speed, the estimate.

A rough figure for the Model panel: training costs about FLOPS_PER_PARAM_TOKEN operations per
weight and token, and a small-batch recurrent model reaches RNN_EFFICIENCY of the machine's
matmul peak. A finished run's measured throughput replaces the probe's figure.
"""
from __future__ import annotations

import time

import torch

from .config import ModelConfig
from .model import RNNLM

FLOPS_PER_PARAM_TOKEN = 6  # forward + backward, per weight and token
RNN_EFFICIENCY = 0.25  # share of matmul peak a small-batch recurrent model reaches on a CPU


def count_parameters(model: ModelConfig) -> int:
    return RNNLM(model).num_parameters()


def measure_flops() -> float:
    """Matmul throughput of this machine with the training thread count, for the time estimate."""
    a, b = torch.randn(256, 512), torch.randn(512, 1024)
    a @ b
    started, repeats = time.perf_counter(), 5
    for _ in range(repeats):
        a @ b
    return 2 * 256 * 512 * 1024 * repeats / max(time.perf_counter() - started, 1e-9)


def count_and_measure(model: ModelConfig, flops: float) -> tuple[int, float]:
    """Parameters of `model`, and the machine's speed (measured unless already known)."""
    return count_parameters(model), flops or measure_flops()


def flops_from_throughput(tokens_per_s: float, parameters: int) -> float:
    """The matmul speed a run's measured throughput implies, in the probe's terms."""
    return tokens_per_s * parameters * FLOPS_PER_PARAM_TOKEN / RNN_EFFICIENCY


def epoch_seconds(train_tokens: int, parameters: int, flops: float) -> float:
    return train_tokens * parameters * FLOPS_PER_PARAM_TOKEN / (flops * RNN_EFFICIENCY)
