"""Issue 14: the mask covers the whole face and no more: not clipped at the crop border, over a beard for
the mask method, below the hairline unless hair is asked for (forehead and brows still covered)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.face.align import align_face
from id2face.face.config import MaskConfig
from id2face.face.mask import face_mask, hard_mask
from id2face.geometry import FFHQ
from id2face.methods.base import mask_settings
from id2face.methods.classic import MaskMethod

BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)  # MediaPipe's eyebrow vertices


@pytest.fixture(scope="module")
def face(detector, astronaut):
    return detector.detect(astronaut)[0]


def _border(mask: np.ndarray, rows: int = 1) -> float:
    return float(max(mask[:rows].max(), mask[-rows:].max(), mask[:, :rows].max(), mask[:, -rows:].max()))


def test_default_mask_stays_below_the_hairline_and_inside_the_crop(face, astronaut):
    """Before: the forehead push reached the crop's top row (a straight cut edge through the hair)."""
    align_face(astronaut, face, 256, FFHQ)
    soft = face_mask(face, 256, FFHQ, MaskConfig())
    assert _border(soft, rows=3) < 0.1
    top = int(np.argmax(hard_mask(face, 256, FFHQ, MaskConfig()).any(axis=1)))
    hairline = face.crop_landmarks[10][1]  # the mesh's top: at or just below the hairline
    height = face.crop_landmarks[152][1] - hairline
    assert top >= hairline - 0.05 * height - 0.04 * 256 - 2
    hair = hard_mask(face, 256, FFHQ, MaskConfig(hair=True))
    assert int(np.argmax(hair.any(axis=1))) < top - 0.1 * height  # --mask-hair reaches into the hair


def test_forehead_and_brows_stay_covered(face, astronaut):
    align_face(astronaut, face, 256, FFHQ)
    soft = face_mask(face, 256, FFHQ, MaskConfig())
    for i in (10, 151, 9, *BROWS):  # forehead top and middle, between the brows, the brows
        x, y = np.round(face.crop_landmarks[i][:2]).astype(int)
        assert soft[y, x] > 0.99, i


def test_mask_method_mask_is_not_clipped_at_the_crop_border(face, astronaut):
    method = MaskMethod()
    cfg = mask_settings(method, MaskConfig())
    assert cfg.chin >= 0.25
    align_face(astronaut, face, method.crop_size, method.template)
    soft = face_mask(face, method.crop_size, method.template, cfg)
    assert _border(soft, rows=3) == 0.0


def test_mask_method_covers_a_beard(detector, astronaut):
    """Before: the black shape ended at the chin and a beard below it stayed visible."""
    photo = astronaut.copy()
    f = detector.detect(photo)[0]
    chin, top = f.mesh[152, :2], f.mesh[10, :2]
    height = float(np.linalg.norm(chin - top))
    beard = np.zeros(photo.shape[:2], np.uint8)
    centre = np.round(chin + (chin - top) / height * 0.06 * height).astype(int)
    cv2.ellipse(beard, (int(centre[0]), int(centre[1])), (int(0.3 * height), int(0.14 * height)), 0, 0, 360,
                1, -1)
    photo[beard > 0] = (150, 100, 60)  # a brown beard, down to 0.2 face heights below the chin
    out = Anonymizer(method="mask").anonymize(photo)
    left = (out[beard > 0].astype(int) - photo[beard > 0]).__abs__().max(axis=1) < 30
    assert left.mean() < 0.01, f"{left.mean():.1%} of the beard is still visible"
