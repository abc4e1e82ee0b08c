import numpy as np

from id2face.anonymizer import Anonymizer
from id2face.face.fallback import HEAD, MESH, POINTS, plausible_points, replacement_kind
from id2face.face.types import Face

FRONTAL = np.array([[130, 140], [170, 140], [150, 160], [135, 180], [165, 180]], np.float64)


def face(points: np.ndarray, mesh: bool = False) -> Face:
    f = Face(box=np.array([110.0, 110.0, 190.0, 200.0]), score=0.9, keypoints5=points.copy())
    if mesh:
        f.mesh = np.zeros((478, 3))
    return f


def test_points_that_look_like_a_face_are_used_others_are_not():
    assert plausible_points(face(FRONTAL))
    turned = (FRONTAL - 150) @ np.array([[0, 1], [-1, 0]]) + 150  # the same face turned 90 degrees
    assert plausible_points(face(turned))
    profile = FRONTAL.copy()
    profile[:2, 0] = [148, 152]  # both eyes on one spot
    assert not plausible_points(face(profile))
    flipped = FRONTAL.copy()
    flipped[3:, 1] = 120  # mouth above the eyes (with the right eye on the image's left)
    assert not plausible_points(face(flipped))
    assert not plausible_points(face(FRONTAL + 500))  # nowhere near the box
    assert replacement_kind(face(FRONTAL, mesh=True)) == MESH
    assert replacement_kind(face(FRONTAL)) == POINTS and replacement_kind(face(profile)) == HEAD


def test_a_face_that_cannot_be_aligned_is_still_covered_and_counted(astronaut):
    anon = Anonymizer(method="blur")
    profile = FRONTAL.copy()
    profile[:2, 0] = [148, 152]
    x0, y0, x1, y1 = 170, 60, 280, 190  # the sample face, given with unusable points
    f = Face(
        box=np.array([x0, y0, x1, y1], np.float64),
        score=0.9,
        keypoints5=profile - 150 + np.array([(x0 + x1) / 2, (y0 + y1) / 2]),
    )
    out, rep = anon.anonymize_rgb(astronaut, faces=[f])
    assert rep.faces == 1 and rep.fallbacks == 1
    inner = (slice(y0 + 20, y1 - 20), slice(x0 + 20, x1 - 20))
    assert np.abs(out[inner].astype(int) - astronaut[inner]).mean() > 8  # the face is blurred
    assert np.array_equal(out[400:], astronaut[400:])  # far from it nothing changed


def test_a_detected_face_without_mesh_is_replaced_on_its_points(astronaut):
    anon = Anonymizer(method="blur")
    f = anon.detector.detect(astronaut)[0]
    f.mesh = None
    out, rep = anon.anonymize_rgb(astronaut, faces=[f])
    assert rep.fallbacks == 1
    x0, y0, x1, y1 = f.box.astype(int)
    assert np.abs(out[y0:y1, x0:x1].astype(int) - astronaut[y0:y1, x0:x1]).mean() > 8
