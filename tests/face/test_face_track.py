"""FaceTracker: stable ids through motion, gaps and crossings; new ids for new faces; smoothing."""

from __future__ import annotations

import numpy as np
import pytest

from id2face.face.track import FaceTracker, PointSmoother, box_iou
from id2face.face.types import Face


def face_at(cx: float, cy: float, size: float = 40.0, jitter: np.ndarray | None = None) -> Face:
    box = np.array([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2])
    kps = np.array([[-0.2, -0.1], [0.2, -0.1], [0.0, 0.05], [-0.15, 0.2], [0.15, 0.2]]) * size + [cx, cy]
    if jitter is not None:
        kps = kps + jitter
    return Face(box=box, score=0.9, keypoints5=kps)


def test_box_iou_known_values():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    np.testing.assert_allclose(box_iou(a, b), [[1.0, 50 / 150, 0.0]])


def test_two_faces_moving_keep_ids():
    tracker = FaceTracker()
    ids = []
    for t in range(20):
        faces = [face_at(50 + 6 * t, 60), face_at(300 - 5 * t, 200, size=60)]
        tracker.update(faces)
        ids.append([f.track_id for f in faces])
    assert all(i == ids[0] for i in ids)
    assert ids[0][0] != ids[0][1]


def test_face_missing_for_three_frames_keeps_id():
    tracker = FaceTracker(max_age=15)
    seen = []
    for t in range(12):
        faces = [] if 4 <= t < 7 else [face_at(100 + 4 * t, 100)]
        tracker.update(faces)
        seen += [f.track_id for f in faces]
    assert len(seen) == 9 and set(seen) == {seen[0]}


def test_track_expires_after_max_age_and_ids_are_never_reused():
    tracker = FaceTracker(max_age=2)
    first = tracker.update([face_at(100, 100)])[0].track_id
    for _ in range(3):
        tracker.update([])
    again = tracker.update([face_at(100, 100)])[0].track_id
    assert again != first
    tracker.reset()
    after_reset = tracker.update([face_at(100, 100)])[0].track_id
    assert after_reset not in (first, again)


@pytest.mark.parametrize("dy", [0.0, 15.0])
def test_crossing_paths_keep_ids(dy):
    """Two faces pass through each other (fully or partly overlapping); velocity carries them through."""
    tracker = FaceTracker()
    left_ids, right_ids = set(), set()
    for t in range(30):
        a = face_at(40 + 8 * t, 100)  # moves right
        b = face_at(272 - 8 * t, 100 + dy)  # moves left; they meet at t = 14.5
        order = [b, a] if t % 2 else [a, b]  # detector order must not matter
        tracker.update(order)
        left_ids.add(a.track_id)
        right_ids.add(b.track_id)
    assert len(left_ids) == 1 and len(right_ids) == 1 and left_ids != right_ids


def test_new_face_gets_new_id():
    tracker = FaceTracker()
    a0 = tracker.update([face_at(100, 100)])[0].track_id
    faces = tracker.update([face_at(102, 100), face_at(400, 300)])
    assert faces[0].track_id == a0
    assert faces[1].track_id not in (None, a0)
    assert len(tracker.tracks) == 2


def test_fast_motion_matches_by_centre_distance():
    """Diagonal steps of 14 px on a 40 px face: IoU 0.27 (< 0.3), centre distance 0.49 face sizes, so
    only the distance gate keeps the track (prediction off to test the gate alone)."""
    assert box_iou(face_at(100, 100).box, face_at(114, 114).box)[0, 0] < 0.3
    tracker = FaceTracker(use_velocity=False)
    ids = {tracker.update([face_at(100 + 14 * t, 100 + 14 * t)])[0].track_id for t in range(10)}
    assert len(ids) == 1


def test_far_detection_is_not_matched():
    tracker = FaceTracker()
    a = tracker.update([face_at(100, 100)])[0].track_id
    b = tracker.update([face_at(400, 100)])[0].track_id
    assert a != b


def test_greedy_fallback_agrees_with_hungarian():
    cost = np.array([[0.1, 0.5, 1e6], [0.4, 0.2, 0.9], [1e6, 1e6, 1e6]])
    pairs = FaceTracker._assign(cost)
    assert sorted(pairs) == [(0, 0), (1, 1)]


def test_smoothing_steadies_still_face_but_follows_motion():
    rng = np.random.default_rng(0)
    tracker = FaceTracker(smoothing=0.9)
    raw_err, smooth_err = [], []
    for _ in range(40):
        jitter = rng.normal(0, 1.0, (5, 2))
        face = face_at(200, 200, size=100, jitter=jitter)
        tracker.update([face])
        truth = face_at(200, 200, size=100).keypoints5
        raw_err.append(np.abs(face.keypoints5 - truth).mean())
        smooth_err.append(np.abs(face.smooth_keypoints5 - truth).mean())
    assert np.mean(smooth_err[10:]) < 0.7 * np.mean(raw_err[10:])

    tracker = FaceTracker(smoothing=0.9)
    xs = [100 + 30 * t for t in range(8)] + [310 - 30 * t for t in range(1, 4)]  # 0.3 sizes/frame, then back
    for x in xs:
        face = face_at(x, 200, size=100)
        tracker.update([face])
        # Steady motion is predicted and a sudden turn is a surprise that lifts the gain: no visible lag.
        assert np.abs(face.smooth_keypoints5 - face.keypoints5).max() < 1.0


def test_point_smoother_follows_constant_velocity_and_restarts_on_shape_change():
    sm = PointSmoother()
    for t in range(50):
        out = sm.update(np.full((5, 2), 3.0 * t), gain=0.3)
    np.testing.assert_allclose(out, 147.0, atol=0.01)  # no lag once the velocity is learnt
    np.testing.assert_allclose(sm.update(np.ones((478, 3)), 0.3), 1.0)
    assert sm.update(None, 0.3) is None and sm.value is None


def test_mesh_is_smoothed_and_published():
    tracker = FaceTracker()
    for t in range(3):
        face = face_at(100 + t, 100)
        face.mesh = np.tile(face.keypoints5.mean(0), (478, 1))
        tracker.update([face])
    assert face.smooth_mesh.shape == (478, 2)
    assert face.smooth_box.shape == (4,)


def test_smoothing_coasts_through_a_detector_blink():
    tracker = FaceTracker(smoothing=0.9)
    for t in range(16):
        if t in (10, 11):
            tracker.update([])
            continue
        face = face_at(100 + 5 * t, 100)
        tracker.update([face])
    assert face.track_id == 1
    np.testing.assert_allclose(face.smooth_keypoints5, face.keypoints5, atol=0.5)
    assert tracker.track(1) is not None and tracker.track(1).hits == 14


def test_face_that_stopped_while_hidden_keeps_its_id():
    """Moving fast, lost for 8 frames, reappears where it was lost: the velocity prediction has run
    far ahead, the last seen box still matches."""
    tracker = FaceTracker()
    for t in range(6):
        first = tracker.update([face_at(100 + 12 * t, 100)])[0].track_id
    for _ in range(8):
        tracker.update([])
    assert tracker.update([face_at(160, 100)])[0].track_id == first


def test_a_face_the_detector_misses_is_still_given_where_it_should_be():
    """No face slips through a detector blink: the track supplies it for up to max_gap frames."""
    tracker = FaceTracker()
    for t in range(6):  # moving right at 4 px per frame
        tid = tracker.update([face_at(100 + 4 * t, 100)])[0].track_id
        assert tracker.gap_faces() == []  # nothing missing
    for gap in (1, 2, 3):
        tracker.update([])
        (ghost,) = tracker.gap_faces(max_gap=3)
        expected = face_at(100 + 4 * (5 + gap), 100)
        assert ghost.track_id == tid and ghost.detector == "track-gap"
        np.testing.assert_allclose(ghost.box, expected.box, atol=1.0)
        np.testing.assert_allclose(ghost.keypoints5, expected.keypoints5, atol=1.0)
        np.testing.assert_allclose(ghost.smooth_keypoints5, ghost.keypoints5)
    tracker.update([])
    assert tracker.gap_faces(max_gap=3) == []  # a longer gap: the person has most likely gone
    assert tracker.update([face_at(100 + 4 * 10, 100)])[0].track_id == tid  # and the id survives


def test_a_single_detection_leaves_no_ghost():
    tracker = FaceTracker()
    tracker.update([face_at(100, 100)])  # seen once: maybe a false detection
    tracker.update([])
    assert tracker.gap_faces() == []
