import numpy as np

from id2face.face.track import FaceTracker
from id2face.face.track_fill import LookaheadTracks
from id2face.face.types import Face


def _face(x: float) -> Face:
    box = np.array([x, 40.0, x + 40, 80.0])
    kp = np.array([[x + 12, 52], [x + 28, 52], [x + 20, 62], [x + 14, 70], [x + 26, 70]], np.float64)
    return Face(box=box, score=0.95, keypoints5=kp, detector="stub")


def _run(seen: set[int], n: int = 14, lookahead: int = 8, frames=None):
    """A face moving 4 px a frame, detected only in the frames of `seen`."""
    frames = frames if frames is not None else [np.full((120, 200, 3), 100, np.uint8) for _ in range(n)]
    index = iter(range(n))

    def look(frame):
        i = next(index)
        return i, [_face(10 + 4 * i)] if i in seen else []

    tracks = LookaheadTracks(FaceTracker(smoothing=0.0), look, gap_frames=3, lookahead=lookahead)
    return list(tracks.run(frames))


def test_a_face_lost_longer_than_the_forward_fill_is_filled_between_when_found_again():
    seen = set(range(14)) - set(range(3, 10))  # lost for 7 frames
    held = _run(seen)
    assert [h.index for h in held] == list(range(14)) and [h.extra for h in held] == list(range(14))
    for h in held:
        assert len(h.faces) == 1 and h.faces[0].track_id == 1, h.index
        np.testing.assert_allclose(h.faces[0].box[0], 10 + 4 * h.index, atol=1e-6)  # on its straight path
    assert {h.faces[0].detector for h in held if h.index in range(3, 10)} == {"track-fill"}
    live = _run(seen, lookahead=0)  # a live source: the forward fill only, 3 frames
    assert [len(h.faces) for h in live][3:10] == [1, 1, 1, 0, 0, 0, 0]


def test_a_face_found_late_is_filled_into_the_frames_before_once_confirmed():
    held = _run(set(range(3, 14)))
    assert [len(h.faces) for h in held][:3] == [0, 1, 1]  # two frames before, at most
    np.testing.assert_allclose([h.faces[0].box[0] for h in held[1:3]], [14, 18], atol=1e-6)  # at its speed
    assert held[1].faces[0].detector == "track-before"
    assert [len(h.faces) for h in _run({5})][:5] == [0] * 5  # found once: no second frame confirms it


def test_no_face_is_filled_into_the_frames_before_a_cut():
    frames = [np.full((120, 200, 3), 20 if i < 3 else 200, np.uint8) for i in range(14)]
    held = _run(set(range(3, 14)), frames=frames)
    assert [len(h.faces) for h in held][:4] == [0, 0, 0, 1]
