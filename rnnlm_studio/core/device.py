"""Where a run trains: the devices this machine offers, and the device and precision a run resolves to."""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .config import TrainConfig
from .errors import StudioError, option


def resolve_device(config: TrainConfig) -> tuple[torch.device, str]:
    """`auto` takes a CUDA GPU when there is one; `auto` precision is bf16 where the hardware does it
    natively (a GPU that supports it, a CPU with AVX-512 BF16), since emulated bf16 is slower than fp32."""
    if config.device == "cuda" and not torch.cuda.is_available():
        raise StudioError(f"{option('device')} cuda was asked for but no CUDA GPU is available: set "
                          f"{option('device')} to auto or cpu")
    use_cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    if config.precision != "auto":
        return device, config.precision
    if use_cuda:
        return device, "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return device, "bf16" if torch.cpu._is_avx512_bf16_supported() else "fp32"


CPU_PROCESSES = 2  # "CPU, N processes": the torchrun path, tried out on a machine without GPUs


@dataclass(frozen=True)
class DeviceChoice:
    """One entry of the device list: where a run trains, and in how many processes.

    "Auto" and "CPU" train inside the window's process (pause works there). A chosen GPU trains in
    a child process that sees only that GPU (CUDA_VISIBLE_DEVICES), so the trainer's plain "cuda"
    device is the chosen one; torchrun choices run `train --nproc N` as a child. A CPU child sees
    no GPU, so that torchrun's workers use gloo and never ask for a GPU per rank.
    """

    key: str  # what the settings keep: "auto", "cpu", "cpu:2", "cuda:0", "cuda:all"
    label: str
    device: str  # TrainConfig.device
    processes: int = 1
    gpu: int | None = None
    unavailable: str = ""  # why this machine cannot run it; empty when it can

    @property
    def in_process(self) -> bool:
        return self.processes == 1 and self.gpu is None

    def child_env(self) -> dict[str, str]:
        if self.gpu is not None:
            return {"CUDA_VISIBLE_DEVICES": str(self.gpu)}
        return {"CUDA_VISIBLE_DEVICES": ""} if self.device == "cpu" else {}


def device_choices() -> list[DeviceChoice]:
    """Every entry, the ones this machine cannot run included (disabled, saying why), so a user
    learns that multi-GPU training exists and what it needs."""
    gpus = torch.cuda.device_count()
    choices = [DeviceChoice("auto", "Auto (a GPU if there is one)", "auto"), DeviceChoice("cpu", "CPU", "cpu")]
    choices += [DeviceChoice(f"cuda:{i}", f"GPU {i}: {torch.cuda.get_device_name(i)}", "cuda", gpu=i)
                for i in range(gpus)]
    if not gpus:
        choices.append(DeviceChoice("cuda:0", "GPU", "cuda", gpu=0,
                                    unavailable="PyTorch sees no CUDA GPU on this machine"))
    choices.append(DeviceChoice("cuda:all", f"All {gpus} GPUs (torchrun)" if gpus >= 2 else "All GPUs (torchrun)",
                                "cuda", processes=max(gpus, 2),
                                unavailable="" if gpus >= 2 else f"needs two or more CUDA GPUs; PyTorch sees {gpus}"))
    choices.append(DeviceChoice(f"cpu:{CPU_PROCESSES}", f"CPU, {CPU_PROCESSES} processes (torchrun)", "cpu",
                                processes=CPU_PROCESSES, unavailable=_cpu_processes_unavailable()))
    return choices


def _cpu_processes_unavailable() -> str:
    if not dist.is_gloo_available():
        return "this PyTorch build has no gloo backend for CPU processes"
    cores = os.cpu_count() or 1
    return "" if cores >= CPU_PROCESSES else f"needs {CPU_PROCESSES} CPU cores; this machine has {cores}"
