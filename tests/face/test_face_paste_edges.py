"""face.paste.match_edges: a new crop's colour drift along the region's edge is taken out, from the kept
photo's ring only."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from id2face.face.paste import match_edges

SIZE = 128


def _disk(radius: float = 38.0) -> np.ndarray:
    """A face-sized region with a soft edge, as the paste gets it."""
    mask = np.zeros((SIZE, SIZE), np.float32)
    cv2.circle(mask, (SIZE // 2, SIZE // 2), int(radius), 1.0, -1)
    return cv2.GaussianBlur(mask, (0, 0), 3.0)


def _drifted() -> tuple[np.ndarray, np.ndarray]:
    """A photo's crop (a sky-like gradient) and a new crop whose colours drift from it by +30 levels
    to the right of the face and not at all to the left, with a textured face of its own."""
    x = np.linspace(0, 1, SIZE, dtype=np.float32)[None, :, None]
    ref = np.broadcast_to(np.array([70, 110, 190], np.float32) + 20 * x, (SIZE, SIZE, 3)).copy()
    rng = np.random.default_rng(0)
    new = ref + 30 * (x > 0.5) + rng.normal(0, 6, (SIZE, SIZE, 1))
    return np.clip(ref, 0, 255).astype(np.uint8), np.clip(new, 0, 255).astype(np.uint8)


def test_the_drift_at_the_edge_is_taken_out_and_fades_inward():
    ref, new = _drifted()
    mask = _disk()
    out = match_edges(new, ref, mask).astype(np.float32)
    err_before = np.abs(new.astype(np.float32) - ref).mean(-1)
    err_after = np.abs(out - ref).mean(-1)
    right_edge = (slice(60, 68), slice(96, 100))  # just inside the region, where the drift is +30
    assert err_before[right_edge].mean() > 25 and err_after[right_edge].mean() < 8
    left_edge = (slice(60, 68), slice(28, 32))  # no drift there: left about as it was
    assert abs(err_after[left_edge].mean() - err_before[left_edge].mean()) < 3
    centre = (slice(60, 68), slice(60, 68))  # deep inside: a smaller share of the correction
    shift = np.abs(out - new.astype(np.float32)).mean(-1)
    assert shift[centre].mean() < 0.5 * shift[right_edge].mean()


def test_nothing_of_the_face_inside_the_region_reaches_the_new_crop():
    ref, new = _drifted()
    mask = _disk()
    other = ref.copy()
    other[mask >= 0.02] = np.random.default_rng(1).integers(0, 255, (int((mask >= 0.02).sum()), 3))
    assert np.array_equal(match_edges(new, ref, mask), match_edges(new, other, mask))


@pytest.mark.parametrize("mask", [np.zeros((SIZE, SIZE), np.float32), np.ones((SIZE, SIZE), np.float32)])
def test_no_region_or_no_kept_ring_leaves_the_crop_as_it_is(mask):
    ref, new = _drifted()
    assert np.array_equal(match_edges(new, ref, mask), new)
    assert np.array_equal(match_edges(new, ref, _disk(), amount=0.0), new)
