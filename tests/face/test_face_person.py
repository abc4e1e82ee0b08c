"""MaskConfig.blend "person": the replaced region is pasted where the crop shows the person, so where the
region's growth reaches past the head, the background keeps its own pixels (face/person.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.face.align import align_face
from id2face.face.config import MaskConfig
from id2face.face.mask import blend_mask, core_mask, face_mask, person_region
from id2face.face.person import PersonSegmenter, person_probability
from id2face.geometry import FFHQ

SIZE = 128
INNER_FACE = (1, 4, 168, 9, 13, 14)  # nose tip and bridge, between the brows, the lips
GROWN = MaskConfig(dilate=0.12)  # the bundled model's region
# The astronaut's face is 95 px wide: under the default small_face_px, where "person" is the whole region.
PERSON = MaskConfig(dilate=0.12, blend="person", small_face_px=40)


@pytest.fixture(scope="module")
def face(detector, astronaut):
    f = detector.detect(astronaut)[0]
    align_face(astronaut, f, SIZE, FFHQ)
    face_mask(f, SIZE, FFHQ, GROWN)
    return f


def test_segmenter_finds_the_face_and_the_background_beside_the_head(face):
    prob = PersonSegmenter()(face.crop)
    assert prob.shape == (SIZE, SIZE) and prob.dtype == np.float32
    assert 0.0 <= prob.min() and prob.max() <= 1.0
    for i in INNER_FACE:
        x, y = np.round(face.crop_landmarks[i][:2]).astype(int)
        assert prob[y, x] > 0.9, i
    # The astronaut's grey backdrop beside her hair is inside the grown region.
    region = face.mask > 0.95
    assert (region & (prob < 0.1)).sum() > 0.05 * region.sum()


def test_person_blend_keeps_the_face_and_leaves_out_the_background(face):
    blend = blend_mask(face, SIZE, FFHQ, PERSON)
    assert blend is face.blend and blend.dtype == np.float32
    assert (blend <= face.mask + 1e-6).all()
    for i in INNER_FACE:
        x, y = np.round(face.crop_landmarks[i][:2]).astype(int)
        assert blend[y, x] > 0.99, i
    prob = person_probability(face.crop)
    region = face.mask > 0.95
    left_out = region & (blend < 0.05)
    assert left_out.sum() > 0.05 * region.sum()
    assert prob[left_out].max() < 0.05  # only background is left out
    core = core_mask(face, SIZE, FFHQ, GROWN)
    kept_face = blend_mask(face, SIZE, FFHQ, MaskConfig(dilate=0.12, blend="face")).copy()
    assert kept_face.sum() < blend.sum() < face.mask.sum()
    assert (blend >= np.minimum(core, face.mask) - 1e-6).all()


def test_person_region_is_the_mask_where_person_or_core():
    mask = np.array([[1.0, 1.0, 0.5, 0.0]], np.float32)
    core = np.array([[1.0, 0.0, 0.0, 0.0]], np.float32)
    person = np.array([[0.0, 0.2, 1.0, 1.0]], np.float32)
    np.testing.assert_allclose(person_region(mask, core, person), [[1.0, 0.2, 0.5, 0.0]])
    np.testing.assert_allclose(person_region(mask, core, person, share=0.5), [[1.0, 0.6, 0.5, 0.0]])
    np.testing.assert_allclose(person_region(mask, core, person, share=0.0), mask)


def test_small_faces_take_the_whole_region(face):
    """Under small_face_px the head's outline against the background is much of what a recognizer sees."""
    blend_mask(face, SIZE, FFHQ, MaskConfig(dilate=0.12, blend="person"))
    np.testing.assert_array_equal(face.blend, face.mask)  # 95 px < 100 px: all of the region
    halfway = blend_mask(face, SIZE, FFHQ, MaskConfig(dilate=0.12, blend="person", small_face_px=76)).copy()
    full = blend_mask(face, SIZE, FFHQ, PERSON)
    assert full.sum() < halfway.sum() < face.mask.sum()  # 95 px is halfway from 76 to 114 px


def test_person_blend_needs_the_crop(face):
    import copy

    bare = copy.copy(face)
    bare.crop = None
    with pytest.raises(ValueError, match="face.crop"):
        blend_mask(bare, SIZE, FFHQ, MaskConfig(blend="person"))


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).any(-1)


def test_anonymizer_with_person_blend_changes_less_than_the_region_and_more_than_the_face(astronaut):
    region = Anonymizer(seed=0).anonymize(astronaut)
    person = Anonymizer(seed=0, mask=MaskConfig(blend="person", small_face_px=40)).anonymize(astronaut)
    face_only = Anonymizer(seed=0, mask=MaskConfig(blend="face")).anonymize(astronaut)
    changed_person = _changed(person, astronaut)
    other_seed = Anonymizer(seed=1).anonymize(astronaut)
    changed_region = _changed(region, astronaut) | _changed(other_seed, astronaut)
    # nothing outside the region changes (its outermost feathered pixels round to no change in some runs)
    support = cv2.dilate(changed_region.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert not (changed_person & ~support).any()
    assert _changed(face_only, astronaut).sum() < changed_person.sum() < 0.95 * changed_region.sum()
