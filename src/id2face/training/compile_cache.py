"""torch.compile's work carried from one GPU burst to the next.

In the third burst the UNet's compile took ~134 s of 392 s of training: a third of a burst. PyTorch can
save what it compiled (`torch.compiler.save_cache_artifacts`: graphs, generated kernels, autotuning) and
load it into a fresh process on the same software and GPU, which then skips most of that work. A burst
loads the file it was given (if any) before the first compiled call and saves the artifacts at its end;
a file that does not load (another torch, another GPU) only costs the compile it would have paid anyway.
"""

from __future__ import annotations

from pathlib import Path

import torch


def compile_unet(unet: torch.nn.Module, cache: str | Path | None = None) -> None:
    """torch.compile the UNet in place, after loading `cache` (a file of saved artifacts) where it loads."""
    from torch import _dynamo

    _dynamo.config.suppress_errors = True  # a graph that fails to compile runs eagerly instead
    if cache and Path(cache).is_file():
        data = Path(cache).read_bytes()
        try:
            info = torch.compiler.load_cache_artifacts(data)
            n = sum(len(v) for v in info.artifacts.values()) if info is not None else 0
            print(f"compile cache: {n} artifacts loaded ({len(data) / 2**20:.1f} MiB) from {cache}"
                  + ("" if n else ": nothing usable, compiling from scratch"))
        except Exception as e:  # noqa: BLE001 - stale or foreign artifacts: compile from scratch
            print(f"compile cache: {cache} not used ({type(e).__name__}: {e}); compiling from scratch")
    unet.compile()


def save_compile_cache(cache: str | Path | None) -> int:
    """Write what this process compiled to `cache`; bytes written (0: nothing to save, or no file asked)."""
    if not cache:
        return 0
    try:
        saved = torch.compiler.save_cache_artifacts()
    except Exception as e:  # noqa: BLE001 - the artifacts are an optimisation, never a failure
        print(f"compile cache: not saved ({type(e).__name__}: {e})")
        return 0
    if saved is None:
        return 0
    data = saved[0]
    Path(cache).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{cache}.part")
    tmp.write_bytes(data)
    tmp.replace(cache)
    print(f"compile cache: saved {len(data) / 2**20:.1f} MiB to {cache}")
    return len(data)
