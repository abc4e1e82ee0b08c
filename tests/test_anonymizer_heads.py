"""Faces without usable landmarks: their head blurred, or the method run on points placed from the box."""

from __future__ import annotations

import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.face.config import MaskConfig
from id2face.face.types import Face
from id2face.geometry import FFHQ


class Invert:
    """Inverts every crop; counts the faces it was given."""

    name, crop_size, template, color_match = "invert", 64, FFHQ, False

    def __init__(self):
        self.faces = 0

    def __call__(self, crops, masks, faces, seed):
        self.faces += len(crops)
        return 255 - crops


def _no_usable_points() -> Face:
    """A box with five points on one spot (a profile's, say): no mesh, nothing to align on."""
    return Face(box=np.array([300.0, 300.0, 380.0, 380.0]), score=0.9, keypoints5=np.full((5, 2), 340.0))


@pytest.mark.parametrize("heads", ["blur", "replace"])
def test_a_head_is_blurred_or_given_to_the_method(astronaut, heads):
    method = Invert()
    out, rep = Anonymizer(method=method, mask=MaskConfig(heads=heads)).anonymize_rgb(
        astronaut, [_no_usable_points()])
    centre = (slice(325, 355), slice(325, 355))
    change = np.abs(out[centre].astype(int) - astronaut[centre]).mean()
    assert rep.faces == 1 and rep.fallbacks == 1
    if heads == "blur":
        assert method.faces == 0 and rep.blurred == 1 and 0 < change < 60
    else:
        assert method.faces == 1 and rep.blurred == 0 and rep.on_points == 1
        inverted = np.abs(out[centre].astype(int) - (255 - astronaut[centre].astype(int))).mean()
        assert inverted < 25 < change  # the method's pixels, not a blur of the photo's


def test_heads_must_be_a_known_choice():
    with pytest.raises(ValueError, match="heads must be one of blur, replace"):
        MaskConfig(heads="hide")
