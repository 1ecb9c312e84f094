"""Which device and precision a run uses."""
from __future__ import annotations

import torch

from .config import TrainConfig
from .errors import StudioError


def resolve_device(config: TrainConfig) -> tuple[torch.device, str]:
    """`auto` takes a CUDA GPU when there is one; `auto` precision is bf16 where the hardware does it
    natively (a GPU that supports it, a CPU with AVX-512 BF16), since emulated bf16 is slower than fp32."""
    if config.device == "cuda" and not torch.cuda.is_available():
        raise StudioError("--device cuda was asked for but no CUDA GPU is available: use --device auto or cpu")
    use_cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    if config.precision != "auto":
        return device, config.precision
    if use_cuda:
        return device, "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return device, "bf16" if torch.cpu._is_avx512_bf16_supported() else "fp32"
