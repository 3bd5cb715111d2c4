"""Data-parallel training under ``torchrun`` (engine layer).

``DistContext.from_environment`` joins the process group that ``torchrun`` describes
in the environment (gloo on CPU, nccl on GPU); ``None`` means a single process. The
trainer shards examples by rank and sums its statistics across ranks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor


@dataclass(frozen=True)
class DistContext:
    """This process's rank among ``world_size`` data-parallel processes."""

    rank: int
    world_size: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        """Only the main process writes the run."""
        return self.rank == 0

    @classmethod
    def from_environment(cls, device: torch.device) -> DistContext | None:
        """Join the process group ``torchrun`` set up, or ``None`` for a single process."""
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size < 2:
            return None
        if not dist.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            dist.init_process_group(backend=backend)
        return cls(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))

    def sum(self, tensor: Tensor) -> Tensor:
        """Sum ``tensor`` over all ranks (in place) and return it."""
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def gather(self, tensor: Tensor) -> Tensor:
        """The 1-D ``tensor`` of every rank, concatenated in rank order (on every rank);
        the ranks' lengths may differ."""
        length = torch.tensor([tensor.numel()], dtype=torch.long, device=tensor.device)
        lengths = [torch.zeros_like(length) for _ in range(self.world_size)]
        dist.all_gather(lengths, length)
        sizes = [int(size.item()) for size in lengths]
        padded = torch.zeros(max(sizes), dtype=tensor.dtype, device=tensor.device)
        padded[: tensor.numel()] = tensor.reshape(-1)
        parts = [torch.empty_like(padded) for _ in range(self.world_size)]
        dist.all_gather(parts, padded)
        return torch.cat([part[:size] for part, size in zip(parts, sizes, strict=True)])

    def shard(self, indices: Tensor, pad: bool) -> Tensor:
        """This rank's share of ``indices``; with ``pad`` every rank gets as many."""
        if pad:
            per_rank = -(-len(indices) // self.world_size)
            total = per_rank * self.world_size
            if total > len(indices):
                repeats = -(-total // len(indices))
                indices = indices.repeat(repeats)[:total]
        return indices[self.rank :: self.world_size]

    def broadcast_flag(self, flag: bool, device: torch.device) -> bool:
        """True on every rank when ``flag`` is true on any rank."""
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        return bool(self.sum(value).item() > 0)


def local_device_index(context: DistContext | None) -> int:
    """The GPU this process uses under ``torchrun`` (its local rank)."""
    return context.local_rank if context else 0
