"""downscaled: a bounded copy for detectors and the hand search, the photo itself when it fits."""

from __future__ import annotations

import numpy as np

from id2face.face.scale import downscaled


def test_a_photo_that_fits_is_returned_as_it_is():
    img = np.zeros((300, 200, 3), np.uint8)
    out, scale = downscaled(img, 300)
    assert out is img and scale == 1.0


def test_a_larger_photo_is_scaled_to_the_bound_on_its_longer_side():
    img = np.zeros((1000, 400, 3), np.uint8)
    out, scale = downscaled(img, 250)
    assert out.shape == (250, 100, 3) and scale == 0.25
