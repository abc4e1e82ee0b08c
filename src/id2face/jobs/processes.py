"""Who this process is in a multi-process job, and the few collective steps a job needs.

`accelerate launch` and `torchrun` both describe the job in the environment (RANK, WORLD_SIZE,
LOCAL_RANK); a plain `id2face` call is a job of one. The process group (gloo on CPU, NCCL on GPU)
is only started when there is more than one process, so a single run pays nothing for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

COLLECTIVE_TIMEOUT_H = 72


@dataclass
class ProcessGroup:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    _state: Any = None

    @classmethod
    def from_env(cls) -> ProcessGroup:
        env = os.environ
        return cls(rank=int(env.get("RANK", 0)), world=int(env.get("WORLD_SIZE", 1)),
                   local_rank=int(env.get("LOCAL_RANK", 0)))

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def device(self, requested: str) -> str:
        """A bare "cuda" means this process's own GPU (its local rank) in a multi-process job."""
        if self.distributed and requested == "cuda":
            return f"cuda:{self.local_rank}"
        return requested

    def start(self, device: str) -> None:
        if not self.distributed:
            return
        from accelerate import PartialState  # only multi-process jobs need the process group

        # Processes that finish their shard wait for the others at the end, maybe for hours when a
        # shard holds long videos: the usual 30-minute collective timeout would kill the job there.
        self._state = PartialState(cpu=not device.startswith("cuda"),
                                   timeout=timedelta(hours=COLLECTIVE_TIMEOUT_H))
        got = (self._state.process_index, self._state.num_processes)
        if got != (self.rank, self.world):
            raise RuntimeError(f"the process group says rank {got[0]} of {got[1]}, the environment "
                               f"{self.rank} of {self.world}")

    def barrier(self) -> None:
        if self._state is not None:
            self._state.wait_for_everyone()

    def broadcast(self, obj: Any) -> Any:
        """Process 0's `obj`, on every process."""
        if self._state is None:
            return obj
        from accelerate.utils import broadcast_object_list

        box = [obj if self.main else None]
        broadcast_object_list(box)
        return box[0]

    def gather(self, obj: Any) -> list[Any]:
        """Every process's `obj`, in rank order (a barrier too)."""
        if self._state is None:
            return [obj]
        from accelerate.utils import gather_object

        return list(gather_object([obj]))

    def close(self) -> None:
        if self._state is not None:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
            self._state = None
