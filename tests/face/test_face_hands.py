"""Hands in front of a face keep their own pixels when the new face is pasted (face/hands.py)."""

from __future__ import annotations

import numpy as np
import pytest

import id2face.face.hands as hands_module
from id2face.anonymizer import Anonymizer
from id2face.face.align import align_face
from id2face.face.config import MaskConfig
from id2face.face.hands import eye_band, face_view, hand_shape, hands_over
from id2face.geometry import FFHQ
from id2face.io.images import load_image

SIZE = 128
# An upright open hand, fingers spread, in pixels around its palm centre (100, 140); palm width ~45.
HAND = np.array([
    [100, 180], [75, 160], [65, 145], [58, 130], [52, 118],  # wrist, thumb
    [80, 120], [78, 95], [77, 80], [76, 68],  # index
    [95, 115], [95, 88], [95, 72], [95, 60],  # middle
    [110, 118], [112, 92], [113, 77], [114, 66],  # ring
    [125, 125], [128, 102], [130, 90], [131, 80],  # little finger
], np.float64)


def _hand_at(centre: np.ndarray, palm_width: float) -> np.ndarray:
    """HAND scaled to `palm_width` and moved so its palm centre is at `centre`."""
    scale = palm_width / np.linalg.norm(HAND[5] - HAND[17])
    return (HAND - [100.0, 140.0]) * scale + centre


def _finder(photo_points: list[np.ndarray], face, shape, calls: list | None = None):
    """A stand-in hand finder that 'finds' the given photo-pixel hands in the face's view."""
    x0, y0, _, _ = face_view(face, shape)

    def find(view):
        if calls is not None:
            calls.append(view.shape)
        return [p - [x0, y0] for p in photo_points]

    return find


@pytest.fixture(scope="module")
def face(detector, astronaut):
    f = detector.detect(astronaut)[0]
    align_face(astronaut, f, SIZE, FFHQ)
    return f


def _under_chin(face) -> np.ndarray:
    return face.mesh[152, :2] + [0.0, 0.15 * face.height]


def test_a_hand_is_its_palm_and_fingers_not_the_gaps_between_them():
    mask = hand_shape(HAND, (200, 200))
    assert mask[140, 100] and mask[62, 95] and mask[120, 58]  # palm centre, middle fingertip, thumb
    assert not mask[70, 86]  # between the spread index and middle fingers: the face behind shows there
    assert not mask[20, 100] and not mask[140, 170]  # above the fingertips, beside the hand


def test_a_hand_under_the_chin_is_kept_and_the_eyes_never(face, astronaut):
    hand = _hand_at(_under_chin(face), 0.45 * face.width)
    kept = hands_over(astronaut, face, SIZE, find=_finder([hand], face, astronaut.shape))
    assert kept is not None and kept.shape == (SIZE, SIZE) and kept.dtype == np.float32
    palm = np.round(face.matrix @ [*_under_chin(face), 1.0]).astype(int)
    assert kept[palm[1], palm[0]] > 0.9
    assert kept[eye_band(face, SIZE)].max() == 0.0


def test_a_hand_over_the_eyes_is_not_trusted(face, astronaut):
    eyes = np.asarray(face.keypoints5)[:2].mean(axis=0)
    hand = _hand_at(eyes, 0.6 * face.width)
    assert hands_over(astronaut, face, SIZE, find=_finder([hand], face, astronaut.shape)) is None


def test_tiny_hands_and_no_hands_keep_nothing(face, astronaut):
    tiny = _hand_at(_under_chin(face), 0.05 * face.width)  # a background person's hand, or a false find
    assert hands_over(astronaut, face, SIZE, find=_finder([tiny], face, astronaut.shape)) is None
    assert hands_over(astronaut, face, SIZE, find=_finder([], face, astronaut.shape)) is None


def test_small_faces_are_not_looked_at(face, astronaut):
    from dataclasses import replace

    small = replace(face, box=np.array([200.0, 100.0, 230.0, 130.0]))
    calls: list = []
    assert hands_over(astronaut, small, SIZE, find=_finder([], small, astronaut.shape, calls)) is None
    assert calls == []


def test_the_anonymizer_pastes_the_new_face_around_the_hand(face, astronaut, monkeypatch):
    """Where a hand shows in front of the face, the output keeps the photo's pixels; the face is replaced."""
    photo_hand = _hand_at(_under_chin(face), 0.45 * face.width)
    monkeypatch.setattr(hands_module, "find_hands", _finder([photo_hand], face, astronaut.shape))
    with_hands, report = Anonymizer(seed=0).anonymize_rgb(astronaut)
    without, _ = Anonymizer(seed=0, mask=MaskConfig(hands=False)).anonymize_rgb(astronaut)
    assert report.faces == 1
    px, py = np.round(_under_chin(face)).astype(int)
    assert np.array_equal(with_hands[py, px], astronaut[py, px])  # the palm: the photo's own pixel
    assert not np.array_equal(without[py, px], astronaut[py, px])  # pasted over without the hand step
    nx, ny = np.round(face.mesh[1, :2]).astype(int)
    nose = np.s_[ny - 2:ny + 3, nx - 2:nx + 3]
    assert np.abs(with_hands[nose].astype(int) - astronaut[nose]).mean() > 5  # the nose is still replaced


def test_real_hands_are_found_beside_a_face(shared_data, detector):
    # celeba-wild 015770: a woman holding a phone to her ear; her hand lies in the face's grown region
    img = load_image(shared_data / "celeba-wild" / "images" / "015770.jpg")
    f = max(detector.detect(img), key=lambda x: x.width)
    align_face(img, f, SIZE, FFHQ)
    x0, y0, x1, y1 = face_view(f, img.shape)
    found = hands_module.find_hands(np.ascontiguousarray(img[y0:y1, x0:x1]))
    assert len(found) >= 1 and found[0].shape == (21, 2)
    kept = hands_over(img, f, SIZE)
    assert kept is not None and (kept > 0.5).sum() > 50
    assert kept[eye_band(f, SIZE)].max() == 0.0


def test_a_failing_hand_search_still_writes_the_photo(astronaut, monkeypatch):
    """Keeping hands is a nicety: if the search fails the new face is pasted over them, with a warning."""

    def broken(view):
        raise RuntimeError("graph error")

    monkeypatch.setattr(hands_module, "find_hands", broken)
    with pytest.warns(UserWarning, match="hand search failed"):
        out, report = Anonymizer(seed=0).anonymize_rgb(astronaut)
    plain, _ = Anonymizer(seed=0, mask=MaskConfig(hands=False)).anonymize_rgb(astronaut)
    assert report.faces == 1 and np.array_equal(out, plain)
