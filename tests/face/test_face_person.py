"""MaskConfig.blend "person" (the default): the replaced region is pasted where the real or the new crop shows
the person, so where the region's growth reaches past both heads, the background keeps its own pixels
(face/person.py)."""

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
PERSON = MaskConfig(dilate=0.12, blend="person")


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


def test_person_blend_with_the_new_crop_keeps_the_new_head_too(face):
    """Once the new face is drawn, a pixel is background only where neither head is: the real head's outline
    is drawn over as before, and the new head's hair is not cut where the real head had background."""
    without = blend_mask(face, SIZE, FFHQ, PERSON).copy()
    moved = np.roll(face.crop, SIZE // 6, axis=1)  # a new head further right
    both = blend_mask(face, SIZE, FFHQ, PERSON, new=moved)
    assert (both >= without - 1e-6).all()
    assert both.sum() > 1.02 * without.sum()
    assert (both <= face.mask + 1e-6).all()
    itself = blend_mask(face, SIZE, FFHQ, PERSON, new=face.crop)  # the same head: only the soft edge grows
    sure = (face.mask > 0.99) & ((without < 0.01) | (without > 0.99))
    np.testing.assert_allclose(itself[sure], without[sure], atol=0.02)


def test_person_region_is_the_mask_where_person_or_core():
    mask = np.array([[1.0, 1.0, 0.5, 0.0]], np.float32)
    core = np.array([[1.0, 0.0, 0.0, 0.0]], np.float32)
    person = np.array([[0.0, 0.2, 1.0, 1.0]], np.float32)
    np.testing.assert_allclose(person_region(mask, core, person), [[1.0, 0.2, 0.5, 0.0]])


def test_person_blend_needs_the_crop(face):
    import copy

    bare = copy.copy(face)
    bare.crop = None
    with pytest.raises(ValueError, match="face.crop"):
        blend_mask(bare, SIZE, FFHQ, MaskConfig(blend="person"))


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).any(-1)


def test_anonymizer_with_person_blend_changes_less_than_the_region_and_more_than_the_face(astronaut):
    region = Anonymizer(seed=0, mask=MaskConfig(blend="region")).anonymize(astronaut)
    person = Anonymizer(seed=0).anonymize(astronaut)  # the default
    face_only = Anonymizer(seed=0, mask=MaskConfig(blend="face")).anonymize(astronaut)
    changed_person = _changed(person, astronaut)
    other_seed = Anonymizer(seed=1, mask=MaskConfig(blend="region")).anonymize(astronaut)
    changed_region = _changed(region, astronaut) | _changed(other_seed, astronaut)
    # nothing outside the region changes (its outermost feathered pixels round to no change in some runs)
    support = cv2.dilate(changed_region.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert not (changed_person & ~support).any()
    assert _changed(face_only, astronaut).sum() < changed_person.sum() < 0.95 * changed_region.sum()


def test_the_segmenter_starts_without_native_chatter(capfd, face):
    """TFLite's start-up notices go to fd 2; a CLI run must not show them."""
    capfd.readouterr()
    segmenter = PersonSegmenter()
    segmenter(face.crop)
    segmenter.close()
    assert capfd.readouterr().err == ""


def test_each_crop_is_segmented_once(astronaut, monkeypatch):
    """The real crop is read at alignment and kept on the face (Face.person); the paste reads the new one."""
    import id2face.face.person as person_module

    calls = []
    real = person_module.person_probability
    monkeypatch.setattr(person_module, "person_probability", lambda crop: calls.append(crop) or real(crop))
    out, report = Anonymizer(seed=0).anonymize_rgb(astronaut)
    assert report.faces == 1 and len(calls) == 2
    assert not np.array_equal(calls[0], calls[1])  # the real crop, then the new one
