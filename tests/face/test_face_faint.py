"""Tiny faces (16-20 px): CenterFace's faint candidates and their zoomed second look (issue 12)."""

import cv2
import numpy as np
import pytest

from id2face.face.centerface import decode
from id2face.face.fuse import overlap

# The sample portrait's head (astronaut[20:240, 120:330]); its face is about 95 px wide in it.
HEAD = (slice(20, 240), slice(120, 330))
FACE_IN_HEAD = np.array([55.0, 40.0, 150.0, 165.0])  # x0, y0, x1, y1 of the face in that crop


def tiny_scene(astronaut: np.ndarray, texture: str, width: float, at: tuple[int, int]):
    """A 640x480 scene (a skimage texture: gravel, grass) with the sample head shrunk so its face is
    about `width` px wide, top-left corner at `at`; the scene and the face's box in it."""
    import skimage.data

    s = width / (FACE_IN_HEAD[2] - FACE_IN_HEAD[0])
    head = cv2.resize(astronaut[HEAD], None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    scene = np.repeat(cv2.resize(getattr(skimage.data, texture)(), (640, 480))[..., None], 3, axis=2)
    x, y = at
    scene[y : y + head.shape[0], x : x + head.shape[1]] = head
    return scene, FACE_IN_HEAD * s + np.array([x, y, x, y])


def _found(faces, box) -> bool:
    return any(overlap(f.box, box)[0] >= 0.3 for f in faces)


@pytest.mark.parametrize("texture, width, at", [("gravel", 14, (120, 330)), ("grass", 15, (300, 200))])
def test_a_tiny_face_the_photo_scale_pass_misses_is_found_by_the_zoomed_look(
    detector, astronaut, texture, width, at
):
    """CenterFace scores these faces about 0.045 at photo scale (under its 0.1 threshold, over the
    faint 0.02) and about 0.9 on the zoomed look."""
    scene, box = tiny_scene(astronaut, texture, width, at)
    assert not _found(detector.detect(scene, faint=False), box)  # the path before issue 12's fix
    faces = detector.detect(scene)
    assert _found(faces, box) and len(faces) == 1
    assert faces[0].detector == "centerface-zoom" and faces[0].score >= detector.config.faint_zoom_sure
    assert overlap(faces[0].box, box)[0] >= 0.4  # the zoomed view's box, not the faint one


def test_faint_checks_are_bounded_and_find_nothing_on_textures(detector, monkeypatch):
    import skimage.data

    gravel = np.repeat(cv2.resize(skimage.data.gravel(), (640, 480))[..., None], 3, axis=2)
    calls = []
    looks = detector._centerface.looks
    monkeypatch.setattr(detector._centerface, "looks", lambda *a, **k: calls.append(1) or looks(*a, **k))
    monkeypatch.setattr(detector.config, "faint_checks", 3)
    assert detector.detect(gravel) == []
    assert 1 <= len(calls) <= 3 + detector.config.max_checks  # faint ones: at most faint_checks


def test_faint_peaks_are_local_maxima_over_the_low_threshold():
    heat = np.zeros((20, 20), np.float32)
    heat[5, 5], heat[5, 6] = 0.05, 0.04  # one faint blob: its peak only
    heat[15, 15] = 0.03
    heat[10, 2] = 0.01  # under the faint threshold
    heat[2, 15], heat[2, 16] = 0.4, 0.3  # over the threshold: every cell, as before
    size, offset, marks = np.zeros((2, 20, 20)), np.zeros((2, 20, 20)), np.zeros((10, 20, 20))
    assert len(decode(heat, size, offset, marks, 0.1)[1]) == 2
    _, scores, _ = decode(heat, size, offset, marks, 0.1, faint=0.02)
    assert sorted(np.round(scores, 2)) == [0.03, 0.05, 0.3, 0.4]


def test_zoom_gives_the_face_in_photo_pixels(detector, astronaut):
    cf = detector._centerface
    whole = max(cf(astronaut, threshold=0.5), key=lambda d: d.score)
    for box in (whole.box, whole.box + np.array([-8, 6, 10, 4])):
        d = cf.zoom(astronaut, box, 128, 2.0)
        assert d is not None and d.score > 0.8 and overlap(d.box, whole.box)[0] > 0.7
        assert np.abs(d.keypoints5 - whole.keypoints5).max() < 6
    none = cf.zoom(astronaut, np.array([420, 400, 470, 450]))
    assert none is None or none.score < 0.5  # no face there
