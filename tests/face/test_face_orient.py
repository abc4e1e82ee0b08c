from types import SimpleNamespace

import cv2
import numpy as np

from id2face.face.config import DetectorConfig
from id2face.face.detect import FaceDetector
from id2face.face.fuse import overlap
from id2face.face.orient import beside_turned, detect_any_orientation, detect_frame, unturn_points
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
        self.config = SimpleNamespace(rotations=rotations, rotations_beside=True, beside_sure=0.5)
        self.faint: list[bool] = []

    def detect(self, img, faint=True, finer=True):
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


def _face(box, score=0.9, unsure=False, mesh=True, name="stub"):
    box = np.array(box, np.float64)
    kp = np.tile(((box[:2] + box[2:]) / 2), (5, 1))
    f = Face(box=box, score=score, keypoints5=kp, detector=name)
    f.mesh = np.zeros((478, 3)) if mesh else None
    f.unsure = unsure
    return f


class LyingBeside:
    """Upright: one face. Half a turn: the face lying upside down beside it, plus what turned copies of
    real photos show (the top of the upright head, a weak box, an unsure one, one with no mesh)."""

    def __init__(self, photo: np.ndarray, beside: bool = True):
        self.photo = photo
        self.config = SimpleNamespace(rotations=True, rotations_beside=beside, beside_sure=0.5)

    def glance(self, img, threshold):
        return [f.box for f in self.detect(img) if f.score >= threshold]

    def detect(self, img, faint=True, finer=True):
        if np.array_equal(img, self.photo):
            return [_face([10, 10, 50, 50])]
        if not np.array_equal(img, np.rot90(self.photo, 2)):
            return []
        h, w = self.photo.shape[:2]
        return [
            _face([w - 150, h - 60, w - 110, h - 20], score=0.8),  # lying beside, at (110, 20)-(150, 60)
            _face([w - 48, h - 48, w - 12, h - 12], score=0.9),  # the upright face's own top, seen turned
            _face([w - 100, h - 100, w - 80, h - 80], score=0.3),  # weak: a hand
            _face([w - 200, h - 60, w - 170, h - 30], score=0.7, unsure=True),  # only the mesh saw it
            _face([w - 230, h - 60, w - 205, h - 30], score=0.8, mesh=False),  # no mesh, not sure enough
        ]


def _photo() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 255, (120, 240, 3), dtype=np.uint8)


def test_a_face_lying_beside_an_upright_one_is_added_and_false_turned_boxes_are_not():
    photo = _photo()
    faces = detect_any_orientation(LyingBeside(photo), photo)
    assert len(faces) == 2
    assert faces[1].detector == "stub@180"
    np.testing.assert_allclose(faces[1].box, [110, 20, 150, 60])
    assert faces[1].unsure  # found only turned and under 0.9: blurred, not given a new face
    only = detect_any_orientation(LyingBeside(photo, beside=False), photo)
    assert len(only) == 1 and only[0].detector == "stub"


def test_a_face_lying_beside_is_not_added_where_a_kept_face_already_is():
    photo = _photo()
    assert len(beside_turned(LyingBeside(photo), photo, [_face([10, 10, 50, 50])])) == 1
    kept = [_face([10, 10, 50, 50]), _face([112, 18, 152, 58])]
    assert beside_turned(LyingBeside(photo), photo, kept) == []


def test_an_upside_down_face_beside_an_upright_one_is_found(astronaut):
    small = cv2.resize(np.rot90(astronaut, 2), None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA)
    photo = np.full((512, 1024, 3), 120, np.uint8)
    photo[:, :512] = astronaut
    photo[100:100 + small.shape[0], 600:600 + small.shape[1]] = small
    # Where the astronaut's face (about (227, 127) upright) lies in the small upside-down copy.
    expect = np.array([600 + 0.35 * (511 - 227), 100 + 0.35 * (511 - 127)])

    def near(faces):
        centres = [((f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2) for f in faces]
        return [c for c in centres if np.hypot(*(np.array(c) - expect)) < 20]

    faces = detect_any_orientation(FaceDetector(DetectorConfig()), photo)
    assert len(faces) == 2 and len(near(faces)) == 1
    assert "@" in faces[1].detector
    upright_only = detect_any_orientation(FaceDetector(DetectorConfig(rotations_beside=False)), photo)
    assert near(upright_only) == []  # the detectors do not see it upright: the turned look is what finds it


def test_a_glance_sees_the_sure_face_with_either_detector(detector, astronaut):
    face = detector.detect(astronaut)[0].box
    for cfg in (DetectorConfig(), DetectorConfig(centerface=False)):
        boxes = FaceDetector(cfg).glance(astronaut, 0.5)
        assert len(boxes) == 1 and max(overlap(boxes[0], face)) > 0.6
    assert FaceDetector(DetectorConfig()).glance(np.full((200, 300, 3), 128, np.uint8), 0.3) == []


class SidewaysClip:
    """A frame filmed sideways: nothing upright; the copy turned a quarter shows a face with a mesh
    at 0.7 and a box with no mesh at 0.8 (not sure enough alone). Counts the looks."""

    def __init__(self, frame: np.ndarray, rotations: bool = True, beside: bool = True):
        self.frame = frame
        self.config = SimpleNamespace(rotations=rotations, rotations_beside=beside, beside_sure=0.5)
        self.glances = 0
        self.looks = 0

    def glance(self, img, threshold):
        self.glances += 1
        return [f.box for f in self._faces(img) if f.score >= threshold]

    def detect(self, img, faint=True, finer=True):
        self.looks += 1
        return self._faces(img)

    def _faces(self, img):
        if not np.array_equal(img, np.rot90(self.frame, 1)):
            return []
        return [_face([20, 30, 60, 70], score=0.7), _face([100, 30, 140, 70], score=0.8, mesh=False)]


def test_a_video_frame_with_no_upright_face_is_looked_at_turned_only_where_a_glance_sees_something():
    frame = _photo()
    clip = SidewaysClip(frame)
    faces = detect_frame(clip, frame)
    assert [f.detector for f in faces] == ["stub@90"]  # the box with no mesh under 0.9 does not count
    assert not faces[0].unsure  # alone in the frame, as in a photo taken sideways: given a new face
    corners = unturn_points(np.array([[20.0, 30.0], [60.0, 70.0]]), 1, frame.shape[1], frame.shape[0])
    np.testing.assert_allclose(faces[0].box, np.concatenate([corners.min(0), corners.max(0)]))
    assert clip.glances == 3 and clip.looks == 2  # upright, then the one turned copy a glance saw a face in
    assert detect_frame(SidewaysClip(frame, rotations=False), frame) == []


def test_a_video_frame_with_upright_faces_follows_the_beside_setting():
    photo = _photo()
    assert [f.detector for f in detect_frame(LyingBeside(photo), photo)] == ["stub", "stub@180"]
    assert [f.detector for f in detect_frame(LyingBeside(photo, beside=False), photo)] == ["stub"]
