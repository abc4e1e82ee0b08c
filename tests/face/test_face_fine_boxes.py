"""CenterFace's boxes at finer scales (tiles, or a mid-size photo's own pixels) scoring 0.3-0.5 are checked
by the zoomed look: sure where it confirms them, blurred where it does not (a texture at its own pixels, or
a real face too weak for the look), never dropped unchecked."""

from __future__ import annotations

import numpy as np

from id2face.face.centerface import Detection
from id2face.face.config import DetectorConfig
from id2face.face.detect import FINE, FaceDetector, _witness
from id2face.face.fuse import Candidate

# x position -> (detector, score, CenterFace's zoomed look)
CASES = {0: (FINE, 0.6, 0.0), 100: (FINE, 0.4, 0.8), 200: (FINE, 0.4, 0.1), 300: (FINE, 0.2, 0.1),
         400: ("centerface", 0.2, 0.1)}


def _detect(monkeypatch, cases, **cfg):
    det = FaceDetector(DetectorConfig(faint=False, mesh_retry_contexts=(), **cfg))
    cands = [Candidate(np.array([x, 50.0, x + 40, 90.0]), s, None, name) for x, (name, s, _) in cases.items()]
    looked = []

    def looks(image, box, *a, **k):
        looked.append(int(box[0]))
        return [Detection(box, cases[int(box[0])][2], np.zeros((5, 2)))]

    monkeypatch.setattr(det, "candidates", lambda image, faint=True, finer=True: cands)
    monkeypatch.setattr(det._mesh, "refine", lambda image, f, *a, **k: False)
    monkeypatch.setattr(det._centerface, "looks", looks)
    faces = det.detect(np.zeros((200, 600, 3), np.uint8))
    det.close()
    return {int(f.box[0]): f for f in faces}, looked


def test_which_fine_boxes_stand_which_are_checked_and_which_are_blurred(monkeypatch):
    faces, looked = _detect(monkeypatch, CASES)
    assert 0 in faces and not faces[0].unsure and 0 not in looked  # 0.6: sure without a look
    assert not faces[100].unsure  # 0.4, the zoomed look confirms it
    assert faces[200].unsure  # 0.4, the look does not: blurred, not dropped
    assert 300 not in faces and 400 not in faces  # under centerface_sure, unconfirmed: dropped as before
    assert sorted(looked) == [100, 200, 300, 400]


def test_the_same_boxes_from_the_whole_look_stand_at_0_3():
    cfg = DetectorConfig()
    assert _witness({"centerface": 0.4}, cfg) == ""
    assert _witness({FINE: 0.4}, cfg) == FINE
    assert _witness({FINE: 0.4, "centerface": 0.35}, cfg) == ""  # the whole look is sure of it
    assert _witness({FINE: 0.4, "centerface": 0.2}, cfg) == FINE
    assert _witness({FINE: 0.2, "centerface": 0.25}, cfg) == "centerface"
    assert _witness({FINE: 0.55}, cfg) == ""
    assert _witness({FINE: 0.4}, DetectorConfig(centerface_fine_sure=0.3)) == ""  # as before the check


def test_fine_boxes_are_checked_outside_the_budget_and_count_as_faces_for_it(monkeypatch):
    """Each fine box gets its zoomed look whatever the budget (it stood unchecked before), and leaves the
    budget to the weaker boxes: a crowd's faces at a finer scale score 0.3-0.5, its faintest under 0.3."""
    cases = {x: (FINE, 0.4, 0.1) for x in (0, 100, 200)} | {400: ("centerface", 0.2, 0.9)}
    faces, looked = _detect(monkeypatch, cases, max_checks=0, checks_per_sure_face=0.0)
    assert sorted(looked) == [0, 100, 200] and sorted(faces) == [0, 100, 200]
    assert all(f.unsure for f in faces.values())
    faces, looked = _detect(monkeypatch, cases, max_checks=0, checks_per_sure_face=1.0)
    assert sorted(looked) == [0, 100, 200, 400] and not faces[400].unsure  # three fine boxes: three checks
