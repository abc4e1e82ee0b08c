"""The same seed gives the same pixels on 1 or N CPU threads (issue 14: reproducible datasets).

PyTorch's CPU kernels share work between threads, and for some ops the share changes the float result.
Found by comparing every op's output on the bundled model at 1 and 2-8 threads (torch 2.13, MKL +
oneDNN, AVX-512):
- GroupNorm on channels-last tensors (the UNet's) adds up per-thread partial moments;
- oneDNN's 1x1 convolutions block their channel sum by the thread count;
- elementwise ops with an exp (silu, sigmoid) compute the tail of each thread's chunk with the scalar
  function, not the vector one (1 ulp apart), when the chunk is no multiple of the vector width
  (3, 5 or 7 threads).
One ulp in one of the 8 steps flips a few rounded pixels of the photo. Inside `same_on_any_threads`
every torch op therefore runs on one thread, except the heavy ones whose threads share out output
elements, each computed in the same order whatever their number: convolutions larger than 1x1, matrix
products and attention (about 70 % of the model's op time on one thread; the rest is small,
memory-bound work). With these exceptions no op's output differed at 2-8 threads; the tests check 1 vs
2 and 3 threads (tests/model/test_model_thread_invariance.py, tests/test_threads.py). The price: about
+20 % on a model call at 2 threads, nothing at 1 (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

# Ops left on all threads: each output element is one thread's work, in a fixed order.
PARALLEL_OPS = frozenset({
    F.linear, F.scaled_dot_product_attention, torch.matmul, torch.mm, torch.bmm, torch.addmm, torch.baddbmm,
    torch.Tensor.matmul, torch.Tensor.__matmul__,
})
CONVOLUTIONS = frozenset({F.conv2d, torch.conv2d})  # parallel unless 1x1 (oneDNN: see above)


def _parallel(func: Callable, args: tuple, kwargs: dict) -> bool:
    if func in PARALLEL_OPS:
        return True
    if func in CONVOLUTIONS:
        weight = args[1] if len(args) > 1 else kwargs.get("weight")
        return weight is not None and tuple(weight.shape[-2:]) != (1, 1)
    return False


class _OneThreadExceptHeavyOps(TorchFunctionMode):
    """Torch runs on one thread; the PARALLEL_OPS (and large convolutions) on `threads`."""

    def __init__(self, threads: int) -> None:
        super().__init__()
        self.threads = threads

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if not _parallel(func, args, kwargs):
            return func(*args, **kwargs)
        torch.set_num_threads(self.threads)
        try:
            return func(*args, **kwargs)
        finally:
            torch.set_num_threads(1)


@contextmanager
def same_on_any_threads(enabled: bool = True) -> Iterator[None]:
    """Torch ops inside give the results they give on one thread, with the heavy ones still on all.

    Sets the process's torch thread count while inside (restored after): one pipeline call at a time.
    """
    threads = torch.get_num_threads()
    if not enabled or threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        with _OneThreadExceptHeavyOps(threads):
            yield
    finally:
        torch.set_num_threads(threads)


def invariant_to_threads(call: Callable) -> Callable:
    """Decorates a pipeline's __call__: on the CPU, `same_on_any_threads`. Not on a GPU (--threads does
    not touch it) nor with a compiled denoiser (Inductor's own kernels; the mode would break its graph)."""

    @functools.wraps(call)
    def run(pipe: Any, *args: Any, **kwargs: Any) -> Any:
        compiled = getattr(pipe.unet, "_compiled_call_impl", None) is not None
        with same_on_any_threads(pipe.device.type == "cpu" and not compiled):
            return call(pipe, *args, **kwargs)

    return run
