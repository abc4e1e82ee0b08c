"""Outputs pinned: the sample portrait, anonymized with fixed settings, must stay bit-identical.

A refactor that changes a single output pixel fails here. The pins were computed on the code before
the consolidation (issue 13), on x86-64 CPU with one torch thread (float sums depend on the thread
count, so the test fixes it); a deliberate change of the method's output updates them.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from id2face.anonymizer import Anonymizer

PINS = {
    "blur": "eb31e038d5bffbde6f4573f2ca79f69deea2ff2d0d091f0d9f393e75e6ebfbea",
    "id2face": "36a92aa55f372ddc4cc6de22a0c6500df3e025ad3bc91e9de1b47fb6a2e30f06",
}


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _digest(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()


@pytest.mark.parametrize("method", sorted(PINS))
def test_sample_portrait_output_is_pinned(astronaut, one_thread, method):
    out = Anonymizer(method=method, seed=0).anonymize(astronaut)
    assert out.shape == astronaut.shape and out.dtype == np.uint8
    assert _digest(out) == PINS[method], f"{method}: the output changed"
