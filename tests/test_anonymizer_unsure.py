"""A face found on weak evidence (Face.unsure) is blurred by a method that draws new faces, unless asked."""

from __future__ import annotations

import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.face.config import MaskConfig
from id2face.face.types import Face
from id2face.geometry import FFHQ


class Drawer:
    """A method that draws new faces (colour matched like ID2Face's): inverts its crops, counts its faces."""

    name, crop_size, template = "drawer", 64, FFHQ

    def __init__(self, color_match: bool = True):
        self.color_match = color_match
        self.faces = 0

    def __call__(self, crops, masks, faces, seed):
        self.faces += len(crops)
        return 255 - crops


def _face(unsure: bool) -> Face:
    """Five points that look like a face (eyes apart, the mouth below them), no mesh."""
    kps = np.array([[320.0, 330.0], [360.0, 330.0], [340.0, 350.0], [325.0, 365.0], [355.0, 365.0]])
    return Face(box=np.array([300.0, 300.0, 380.0, 380.0]), score=0.2, keypoints5=kps, unsure=unsure)


@pytest.mark.parametrize(("unsure", "setting", "drawn"),
                         [(True, "blur", False), (True, "replace", True), (False, "blur", True)])
def test_an_unsure_face_is_blurred_not_drawn(astronaut, unsure, setting, drawn):
    method = Drawer()
    out, rep = Anonymizer(method=method, mask=MaskConfig(unsure=setting)).anonymize_rgb(
        astronaut, [_face(unsure)])
    centre = (slice(330, 355), slice(330, 355))
    assert method.faces == int(drawn)
    assert rep.faces == 1 and rep.blurred == int(not drawn)
    assert np.abs(out[centre].astype(int) - astronaut[centre]).mean() > 3  # changed either way


def test_a_method_that_draws_no_face_treats_an_unsure_face_as_any():
    method = Drawer(color_match=False)  # a blur, a mosaic, a mask: nothing drawn that could look wrong
    _, rep = Anonymizer(method=method).anonymize_rgb(np.zeros((512, 512, 3), np.uint8) + 90, [_face(True)])
    assert method.faces == 1 and rep.blurred == 0


def test_unsure_must_be_a_known_choice():
    with pytest.raises(ValueError, match="unsure must be one of blur, replace"):
        MaskConfig(unsure="skip")
