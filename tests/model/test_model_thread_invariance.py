"""Thread invariance: torch ops inside `same_on_any_threads` give their one-thread results on any count."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from id2face.model.thread_invariance import same_on_any_threads


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _ops(x: torch.Tensor, w1: torch.Tensor, w3: torch.Tensor, lin: torch.Tensor) -> list[torch.Tensor]:
    """The ops that differed between thread counts on the bundled model, and the heavy ones left parallel."""
    cl = x.to(memory_format=torch.channels_last)
    return [
        F.group_norm(cl, 8),  # channels-last GroupNorm: per-thread partial moments
        F.conv2d(x.reshape(1, 128, 32, 32), w1, w1[:, 0, 0, 0]),  # oneDNN 1x1: blocked by thread count
        F.silu(x[:, :, :, :43]),  # odd chunks: scalar tails (3 threads)
        torch.sigmoid(x.flatten()[:100_003]),
        F.conv2d(cl, w3, padding=1),  # parallel, split over outputs only
        F.linear(cl.permute(0, 2, 3, 1), lin),
    ]


@pytest.mark.parametrize("threads", [2, 3])
def test_ops_give_their_one_thread_results(restore_threads, threads):
    g = torch.Generator().manual_seed(0)
    args = (torch.randn(1, 32, 64, 64, generator=g), torch.randn(64, 128, 1, 1, generator=g),
            torch.randn(32, 32, 3, 3, generator=g), torch.randn(48, 32, generator=g))
    torch.set_num_threads(1)
    want = _ops(*args)
    torch.set_num_threads(threads)
    with same_on_any_threads():
        got = _ops(*args)
    for i, (a, b) in enumerate(zip(want, got, strict=True)):
        assert torch.equal(a, b), f"op {i} differs on {threads} threads"


def test_thread_count_is_restored_even_after_an_error(restore_threads):
    torch.set_num_threads(2)
    with same_on_any_threads():
        assert torch.get_num_threads() == 1  # the small ops' count; the heavy ones raise it while they run
    assert torch.get_num_threads() == 2
    with pytest.raises(RuntimeError), same_on_any_threads():
        raise RuntimeError("boom")
    assert torch.get_num_threads() == 2
    with same_on_any_threads(enabled=False):
        assert torch.get_num_threads() == 2


def test_bundled_model_gives_the_same_pixels_on_1_2_and_3_threads(restore_threads, astronaut):
    """Before: 5-8 pixels of the face crop (up to 2 levels in the photo) changed with the count."""
    from id2face.anonymizer import Anonymizer

    anonymizer = Anonymizer(seed=0)
    outs = {}
    for threads in (1, 2, 3):
        torch.set_num_threads(threads)
        outs[threads] = anonymizer.anonymize(astronaut)
    for threads in (2, 3):
        assert np.array_equal(outs[1], outs[threads]), f"{threads} threads differ from 1"
