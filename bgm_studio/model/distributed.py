"""Training on many processes: torchrun's environment -> one process group, one device per rank.

Under `torchrun --nproc_per_node N` every process is a rank with its own device (GPU `LOCAL_RANK`
with NCCL, or the CPU with gloo); run plainly, training is one rank and nothing here changes it.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..errors import BgmError
from .device import resolve_device


@dataclass(frozen=True)
class Ranks:
    rank: int  # this process, 0..world-1
    world: int  # number of processes
    device: torch.device  # where this rank's model and batches live

    @property
    def is_main(self) -> bool:
        """Rank 0 alone writes checkpoints, logs and progress."""
        return self.rank == 0


def start_ranks(device: str | None = None) -> Ranks:
    """This process's rank, world and device, joining torchrun's process group when there is one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    chosen = resolve_device(device)
    if world == 1:
        return Ranks(0, 1, chosen)
    if chosen.type == "cuda":
        chosen = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        if chosen.index >= torch.cuda.device_count():
            raise BgmError(f"rank {chosen.index}: only {torch.cuda.device_count()} GPU(s) on this node")
        torch.cuda.set_device(chosen)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Ranks(dist.get_rank(), dist.get_world_size(), chosen)


def stop_ranks(ranks: Ranks) -> None:
    """Leave the process group. The training's DistributedDataParallel model is unreachable by now
    but may sit in a reference cycle, its reducer holding the group; collected first, nothing of
    the group should be left to tear down at the interpreter's exit. A mitigation: a CI run saw
    rank 1 abort there ("terminate called without an active exception", as in pytorch#190489) after
    rank 0 had written the model; it did not recur in 20 runs of the test alone, before or after."""
    if ranks.world > 1 and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


def wrap_model(model: nn.Module, ranks: Ranks) -> nn.Module:
    """The model that averages gradients over ranks (DistributedDataParallel), or itself alone."""
    if ranks.world == 1:
        return model
    return DistributedDataParallel(model, device_ids=[ranks.device.index] if ranks.device.type == "cuda" else None)


def mean_over_ranks(value: torch.Tensor, ranks: Ranks) -> float:
    """The mean of a scalar over all ranks (the loss of the global batch)."""
    if ranks.world > 1:
        value = value.detach().clone()
        dist.all_reduce(value)
        value /= ranks.world
    return float(value.detach())


def barrier(ranks: Ranks) -> None:
    if ranks.world > 1:
        dist.barrier()
