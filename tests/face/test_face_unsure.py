"""Face.unsure: an unsure CenterFace box that only the face mesh confirmed (on real photos mostly a pattern,
a logo or a fist) is marked, and a video track that was once a sure face stays one."""

from __future__ import annotations

import numpy as np

from id2face.face.centerface import Detection
from id2face.face.config import DetectorConfig
from id2face.face.detect import FaceDetector
from id2face.face.fuse import Candidate
from id2face.face.track import FaceTracker
from id2face.face.types import Face

# x position of each candidate -> (CenterFace score, the face mesh fits, CenterFace's zoomed look)
# (the photo is 480 px wide: the box at 460 reaches past its right edge, a face cut by it)
CASES = {0: (0.9, True, 0.0), 100: (0.2, True, 0.1), 200: (0.2, True, 0.8), 300: (0.2, False, 0.8),
         400: (0.2, False, 0.35), 460: (0.2, False, 0.35)}


def _detect(monkeypatch) -> dict[int, Face]:
    det = FaceDetector(DetectorConfig(faint=False, mesh_retry_contexts=()))
    cands = [Candidate(np.array([x, 50.0, x + 40, 90.0]), s, None, "centerface")
             for x, (s, _, _) in CASES.items()]
    monkeypatch.setattr(det, "candidates", lambda image, faint=True, finer=True: cands)
    monkeypatch.setattr(det._mesh, "refine", lambda image, f, *a, **k: CASES[int(f.box[0])][1])
    monkeypatch.setattr(det._centerface, "looks",
                        lambda image, box, *a, **k: [Detection(box, CASES[int(box[0])][2], np.zeros((5, 2)))])
    faces = det.detect(np.zeros((200, 480, 3), np.uint8))
    det.close()
    return {int(f.box[0]): f for f in faces}


def test_only_a_weak_box_the_mesh_alone_confirms_is_unsure(monkeypatch):
    faces = _detect(monkeypatch)
    # a weak box neither the mesh nor the zoom confirms is dropped (400: a weak look inside the photo)
    assert sorted(faces) == [0, 100, 200, 300, 460]
    assert faces[100].unsure  # weak, the mesh fits, the zoomed look does not see a face
    assert not faces[0].unsure  # sure on its own
    assert not faces[200].unsure  # the mesh and the zoomed look agree
    assert not faces[300].unsure  # the zoomed look alone confirmed it
    assert faces[460].unsure  # a weak zoomed look on a face cut by the edge: kept, blurred


def _face(x: float, unsure: bool) -> Face:
    kps = np.array([[-0.2, -0.1], [0.2, -0.1], [0.0, 0.05], [-0.15, 0.2], [0.15, 0.2]]) * 40 + [x, 100]
    return Face(box=np.array([x - 20, 80, x + 20, 120.0]), score=0.2, keypoints5=kps, unsure=unsure)


def test_a_track_is_unsure_until_a_sure_frame_and_sure_from_then_on():
    tracker = FaceTracker()
    flags = []
    for t, unsure in enumerate([True, True, False, True, True]):
        flags.append(tracker.update([_face(100 + 2 * t, unsure)])[0].unsure)
    assert flags == [True, True, False, False, False]  # no switching back between a new face and a blur


def test_a_gap_face_carries_its_tracks_state():
    for first in (True, False):
        tracker = FaceTracker()
        for t in range(3):
            tracker.update([_face(100 + 2 * t, first)])
        tracker.update([])
        (gap,) = tracker.gap_faces()
        assert gap.unsure == first
