"""torch.distributed support: `rnnlm-studio train` runs unchanged under torchrun.

torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; each rank trains on its own rows of the token
stream inside DistributedDataParallel, evaluation sums are all-reduced, and only rank 0
writes checkpoints, metrics and the run store. `--nproc N` re-launches the same command
under torchrun, so nothing here is home-made process management.

`--batch-size` is per process (PyTorch's convention, so memory per GPU stays put when a
run scales out): N processes train on a global batch of N x batch-size rows, laid out
exactly as one process with N x batch-size rows would (see `BPTTBatcher`).
"""
from __future__ import annotations

import contextlib
import gc
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from .errors import StudioError

T = TypeVar("T")


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

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

    def on_main(self, fn: Callable[[], T]) -> T:
        """`fn()` run by rank 0 alone (the run store, the run folder), its result sent to every rank.

        A refusal there is raised on every rank, so that the others do not wait forever for a
        result that will never come.
        """
        if not self.enabled:
            return fn()
        value, message = self.broadcast(_attempt(fn) if self.is_main else None)
        if message is not None:
            raise StudioError(message)
        return value

    def main_first(self, fn: Callable[[], T]) -> T:
        """`fn()` on every rank, each machine's first process before the others.

        Preparing the data trains a tokenizer and encodes the text into caches; the first
        process fills them and the rest hit them instead of racing to write the same files.
        """
        if not self.enabled:
            return fn()
        value, message = _attempt(fn) if self.local_rank == 0 else (None, None)
        messages: list[str | None] = [None] * self.world_size
        dist.all_gather_object(messages, message)
        if refusal := next((m for m in messages if m is not None), None):
            raise StudioError(refusal)
        return value if self.local_rank == 0 else fn()

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """The module a training step runs through: DDP averages the gradients of all ranks."""
        if not self.enabled:
            return model
        return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    def gather_rows(self, tensor: torch.Tensor, dim: int) -> torch.Tensor:
        """Every rank's rows side by side along `dim`, in rank order: the global batch's layout."""
        if not self.enabled:
            return tensor
        parts = [torch.empty_like(tensor) for _ in range(self.world_size)]
        dist.all_gather(parts, tensor.contiguous())
        return torch.cat(parts, dim=dim)

    def own_rows(self, tensor: torch.Tensor, dim: int) -> torch.Tensor | None:
        """This rank's share of a tensor laid out by `gather_rows`; None if it does not split evenly."""
        if tensor.size(dim) % self.world_size:
            return None
        rows = tensor.size(dim) // self.world_size
        return tensor.narrow(dim, self.rank * rows, rows)

    def broadcast_module(self, module: torch.nn.Module) -> None:
        """Rank 0's weights on every rank (rank 0 alone may be able to read the run folder)."""
        if not self.enabled:
            return
        with torch.no_grad():
            for tensor in module.state_dict().values():
                dist.broadcast(tensor, src=0)


def _attempt(fn: Callable[[], T]) -> tuple[T | None, str | None]:
    try:
        return fn(), None
    except StudioError as exc:
        return None, str(exc)


def under_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ


def init_from_env() -> DistContext:
    """Join the process group torchrun prepared; a plain process gets a one-rank context.

    The group gets gloo for CPU tensors and, where CUDA is there, NCCL for GPU tensors, so
    it can be created before the run's config (and so its device) is known.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        use_nccl = torch.cuda.is_available() and dist.is_nccl_available()
        if use_nccl:
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend="cpu:gloo,cuda:nccl" if use_nccl else "gloo")
    return DistContext(rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local_rank,
                       local_world_size=int(os.environ.get("LOCAL_WORLD_SIZE", "1")))


def shutdown() -> None:
    """Leave the process group once nothing of the run holds it any more.

    A DDP wrapper or gloo work still alive when the interpreter finalises can abort the process
    ("terminate called without an active exception"), so the caller drops its run first and a
    collection frees what only a reference cycle still holds.
    """
    if dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


def launch_torchrun(nproc: int, argv: Sequence[str]) -> int:
    """`--nproc N`: run this same command under torchrun with N processes on this machine.

    The workers see WORLD_SIZE and so train instead of launching again. Each gets an equal
    share of the cores unless OMP_NUM_THREADS says otherwise.
    """
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "rnnlm_studio.cli", *argv]
    with subprocess.Popen(command, env=env) as child, _passing_stop_signals_to(child):
        return child.wait()


@contextlib.contextmanager
def _passing_stop_signals_to(child: subprocess.Popen) -> Iterator[None]:
    """This launcher outlives torchrun, so that a stop reaches the workers and they save a checkpoint.

    torchrun turns SIGTERM into a SIGTERM for each worker (a clean stop, see `interrupt.stop_on_signals`)
    and waits for them; a launcher killed by it instead would leave torchrun and its workers training
    unseen (the GUI's Stop sends it, `kill` too). Ctrl-C in a terminal already reaches torchrun, which
    shares this process group, so here it is ignored rather than passed on a second time (a second
    one makes the workers abort).
    """
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum)),
                signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
