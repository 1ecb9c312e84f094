"""torch.distributed support: `rnnlm-studio train` runs unchanged under torchrun.

torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; each rank trains on its own rows of the token
stream inside DistributedDataParallel, evaluation sums are all-reduced, and only rank 0
writes checkpoints, metrics and the run store. `--nproc N` re-launches the same command
under torchrun, so nothing here is home-made process management.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, device: torch.device) -> torch.device:
        """Under torchrun each rank takes the GPU of its local rank."""
        if device.type == "cuda" and self.enabled:
            return torch.device("cuda", self.local_rank)
        return device

    def all_reduce_sum(self, values: Sequence[float], device: torch.device) -> list[float]:
        if not self.enabled:
            return list(values)
        tensor = torch.tensor(list(values), dtype=torch.float64, device=device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def any_true(self, flag: bool, device: torch.device) -> bool:
        """Every rank stops at the same step when one of them runs out of time."""
        if not self.enabled:
            return flag
        tensor = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def broadcast(self, value: Any) -> Any:
        """Rank 0's value on every rank (the run id and folder, a refusal message)."""
        if not self.enabled:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]


def init_from_env(device_type: str) -> DistContext:
    """Join the process group torchrun prepared; a plain process gets a one-rank context."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext()
    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" and dist.is_nccl_available() else "gloo"
        dist.init_process_group(backend=backend)
    return DistContext(rank=dist.get_rank(), world_size=dist.get_world_size(),
                       local_rank=int(os.environ.get("LOCAL_RANK", "0")))


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def launch_torchrun(nproc: int, argv: Sequence[str]) -> int:
    """`--nproc N`: run this same command under torchrun with N processes on this machine."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "rnnlm_studio.cli", *argv]
    return subprocess.call(command)
