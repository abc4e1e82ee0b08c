"""CPU threads: one process must not fight itself or its neighbours.

PyTorch's OpenMP threads spin while they wait for each other. When another process takes one of
the cores, a spinning thread burns the time slice its partner needs: on the 2-core machine with two
busy processes beside it, photos took 10-70x longer. Passive waiting (threads sleep instead of
spinning) removes that; it must be set before PyTorch loads its OpenMP runtime, so the package does
it on import (a value the user already set wins). `set_threads` then fixes how many threads torch
and OpenCV use: `--threads N`, or by default the cores this process may run on, at most 8. The
count changes the speed, never the output bytes (model/thread_invariance.py).
"""

from __future__ import annotations

import os

MAX_DEFAULT_THREADS = 8  # beyond this, per-face work is too small to share out


def wait_passively() -> None:
    """Sleeping, not spinning, OpenMP threads (GNU and LLVM OpenMP read this when they load)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_threads() -> int:
    """OMP_NUM_THREADS when set, else the available cores up to MAX_DEFAULT_THREADS."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(available_cores(), MAX_DEFAULT_THREADS))


def set_threads(n: int | None = None) -> int:
    """Use `n` threads (None: default_threads()) for torch and OpenCV; returns the number used."""
    if n is not None and n < 1:
        raise ValueError(f"threads must be at least 1, got {n}")
    n = n or default_threads()
    import cv2
    import torch

    torch.set_num_threads(n)
    cv2.setNumThreads(n)
    return n
