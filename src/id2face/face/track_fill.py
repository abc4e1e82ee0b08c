"""A video's faces, looked at a few frames ahead before a frame is given out.

A person turning away, passing behind someone or blurred by motion is lost by the detector for a while.
FaceTracker.gap_faces replaces such a face for a few frames at the place its track predicts, forward only:
a longer loss showed the face until the detector found it again, and the frames before a face was first
found (entering the picture, still too small, blurred) were never covered. With frames held back
`lookahead` frames, a face found again is filled in over every held frame between (box, points and mesh
interpolated), and a face first found late is filled into up to `before` held frames before it, once a
second frame confirms it and unless those frames look unlike the one after them there (a cut).
A live source cannot wait: with `lookahead` 0 frames come out at once, with the forward fill only.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from id2face.face.track import FaceTracker
from id2face.face.types import Face

GEOMETRY = ("box", "keypoints5", "mesh", "smooth_box", "smooth_keypoints5", "smooth_mesh")
CUT = 40.0  # mean change (0-255) of a face's region between two frames at which they are taken for a cut


@dataclass
class HeldFrame:
    index: int
    frame: np.ndarray
    extra: Any  # what `look` gave beside the faces (a print's screen), passed on as it is
    faces: list[Face]


class LookaheadTracks:
    """Frames in, (frame, faces with track ids) out, in order, `lookahead` frames behind the detector.

    look:     frame -> (extra, faces): the detection of one frame.
    before:   at most this many frames before a face's first detection are filled (confirmed by a second).
    """

    def __init__(self, tracker: FaceTracker, look: Callable[[np.ndarray], tuple[Any, list[Face]]],
                 gap_frames: int = 3, lookahead: int = 0, before: int = 2, min_hits: int = 2) -> None:
        self.tracker = tracker
        self.look = look
        self.gap_frames = gap_frames
        self.lookahead = lookahead
        self.before = before
        self.min_hits = min_hits
        self._last: dict[int, tuple[int, Face]] = {}  # track id -> (frame index, its face there)
        self._first: dict[int, tuple[int, Face]] = {}

    def run(self, frames: Iterable[np.ndarray]) -> Iterator[HeldFrame]:
        held: deque[HeldFrame] = deque()
        for index, frame in enumerate(frames):
            extra, found = self.look(frame)
            faces = self.tracker.update(found)
            held.append(HeldFrame(index, frame, extra, faces + self.tracker.gap_faces(self.gap_frames)))
            for face in faces:
                self._seen(held, index, face)
            while len(held) > self.lookahead:
                yield held.popleft()
        yield from held

    def _seen(self, held: deque[HeldFrame], index: int, face: Face) -> None:
        tid = face.track_id
        last = self._last.get(tid)
        self._first.setdefault(tid, (index, face))
        self._last[tid] = (index, face)
        if last is not None and index - last[0] > 1:
            a, start = last
            for h in held:
                if a < h.index < index:
                    _put(h, _between(start, face, (h.index - a) / (index - a), "track-fill"))
        if self.tracker.track(tid).hits == self.min_hits and self.before > 0:
            a, first = self._first[tid]
            step = (_centre(face) - _centre(first)) / max(index - a, 1)
            after = next((h for h in held if h.index == a), None)
            for h in reversed([h for h in held if a - self.before <= h.index < a]):
                if after is None or _cut(h.frame, after.frame, first.box) or any(
                        f.track_id == tid for f in h.faces):
                    break
                _put(h, _shifted(first, step * (h.index - a), "track-before"))
                after = h


def with_smoothed(face: Face) -> Face:
    """The face drawn on its track's smoothed points and mesh (no flicker), where it has them (in place)."""
    face.keypoints5 = face.smooth_keypoints5 if face.smooth_keypoints5 is not None else face.keypoints5
    face.mesh = face.smooth_mesh if face.smooth_mesh is not None else face.mesh
    return face


def _put(held: HeldFrame, face: Face) -> None:
    """`face` in the held frame, in place of what the forward fill predicted for its track."""
    held.faces = [f for f in held.faces if f.track_id != face.track_id] + [face]


def _centre(face: Face) -> np.ndarray:
    return (np.asarray(face.box[:2], np.float64) + np.asarray(face.box[2:], np.float64)) / 2


def _between(a: Face, b: Face, t: float, name: str) -> Face:
    """A face `t` of the way from `a` to `b` (each coordinate), sure as `b` is (sureness only grows)."""
    out = _copy(b)
    for key in GEOMETRY:
        va, vb = getattr(a, key), getattr(b, key)
        if va is not None and vb is not None and np.shape(va) == np.shape(vb):
            setattr(out, key, (1 - t) * np.asarray(va, np.float64) + t * np.asarray(vb, np.float64))
        else:  # a mesh on one side only: the filled face goes without (its points still place it)
            setattr(out, key, np.array(vb, np.float64) if key in ("box", "keypoints5") else None)
    out.detector, out.score = name, 0.0
    return out


def _shifted(face: Face, shift: np.ndarray, name: str) -> Face:
    """`face` moved by `shift` (x, y pixels): its box, points and mesh (z kept)."""
    out = _copy(face)
    for key in GEOMETRY:
        v = getattr(face, key)
        if v is None:
            continue
        v = np.array(v, np.float64)
        if key.endswith("box"):
            v = v + np.tile(shift, 2)
        else:
            v[..., :2] += shift
        setattr(out, key, v)
    out.detector, out.score = name, 0.0
    return out


def _copy(face: Face) -> Face:
    """A face of another frame, for this one: its own `extras` (the rest is replaced, not changed, later)."""
    out = copy.copy(face)
    out.extras = dict(face.extras)
    return out


def _cut(frame: np.ndarray, after: np.ndarray, box: np.ndarray) -> bool:
    """The region `box` changes by CUT or more from `frame` to `after`: another shot, not the same scene."""
    h, w = frame.shape[:2]
    x0, y0 = (max(0, int(v)) for v in box[:2])
    x1, y1 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return True
    small = [cv2.resize(np.ascontiguousarray(f[y0:y1, x0:x1]), (16, 16), interpolation=cv2.INTER_AREA)
             for f in (frame, after)]
    return float(np.abs(small[0].astype(np.float32) - small[1]).mean()) >= CUT
