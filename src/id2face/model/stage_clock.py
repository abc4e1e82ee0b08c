"""Seconds per pipeline stage, for the bench: a clock that books the time since its last reading."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def stage_clock(times: dict[str, float] | None, device: torch.device) -> Callable[[str], None]:
    """`book(stage)` adds the time since the previous call to times[stage]; a no-op when `times` is
    None (on CUDA each reading waits for the device, so only measure when asked)."""
    if times is None:
        return lambda stage: None
    last = [time.perf_counter()]

    def book(stage: str) -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        now = time.perf_counter()
        times[stage] = times.get(stage, 0.0) + now - last[0]
        last[0] = now

    return book
