from types import SimpleNamespace

import numpy as np

from id2face.face.orient import detect_any_orientation, unturn_points
from id2face.face.types import Face


def test_points_of_a_turned_copy_map_back_to_the_photo():
    img = np.zeros((30, 50), np.uint8)
    img[7, 11] = 1
    for k in (1, 2, 3):
        y, x = np.argwhere(np.rot90(img, k))[0]
        np.testing.assert_allclose(unturn_points(np.array([[x + 0.5, y + 0.5]]), k, 50, 30), [[11.5, 7.5]])


class UprightOnly:
    """A detector that sees the face only in the upright photo (as real detectors nearly do)."""

    def __init__(self, upright: np.ndarray, rotations: bool = True):
        self.upright = upright
        self.config = SimpleNamespace(rotations=rotations)
        self.faint: list[bool] = []

    def detect(self, img, faint=True):
        self.faint.append(faint)
        if img.shape == self.upright.shape and np.array_equal(img, self.upright):
            kp = np.array([[20, 30], [40, 30], [30, 40], [22, 50], [38, 50]], np.float64)
            return [Face(box=np.array([10.0, 20.0, 50.0, 60.0]), score=0.9, keypoints5=kp, detector="stub")]
        return []


def test_a_photo_with_no_upright_face_is_tried_turned_and_faces_come_back_in_its_pixels():
    upright = np.random.default_rng(0).integers(0, 255, (80, 120, 3), dtype=np.uint8)
    for k in (1, 2, 3):
        turned = np.ascontiguousarray(np.rot90(upright, k))
        stub = UprightOnly(upright)
        faces = detect_any_orientation(stub, turned)
        assert len(faces) == 1 and faces[0].detector == f"stub@{90 * ((4 - k) % 4)}"
        assert stub.faint[0] and not any(stub.faint[1:])  # faint candidates: the photo as it is only
        # The upright face's box, taken into the turned photo's pixels.
        corners = unturn_points(
            np.array([[10.0, 20.0], [50.0, 60.0]]), (4 - k) % 4, turned.shape[1], turned.shape[0]
        )
        np.testing.assert_allclose(faces[0].box, np.concatenate([corners.min(0), corners.max(0)]))
        # Anatomical order survives: the right eye -> left eye vector is the upright one, turned.
        eyes = faces[0].keypoints5[1] - faces[0].keypoints5[0]
        assert np.hypot(*eyes) == 20
    assert detect_any_orientation(UprightOnly(upright, rotations=False), np.rot90(upright)) == []


def test_a_sideways_photo_has_its_face_found_where_it_is(detector, astronaut):
    upright = detector.detect(astronaut)[0]
    c = np.array([[(upright.box[0] + upright.box[2]) / 2, (upright.box[1] + upright.box[3]) / 2]])
    for k in (1, 2, 3):
        turned = np.ascontiguousarray(np.rot90(astronaut, k))
        faces = detect_any_orientation(detector, turned)
        assert len(faces) == 1, k
        expect = unturn_points(c, (4 - k) % 4, turned.shape[1], turned.shape[0])[0]
        got = np.array([(faces[0].box[0] + faces[0].box[2]) / 2, (faces[0].box[1] + faces[0].box[3]) / 2])
        assert np.hypot(*(got - expect)) < 30, (k, got, expect)
