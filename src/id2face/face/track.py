"""Frame-to-frame face tracking, so that one person keeps one id (and one fake identity) across a video.

SORT without the Kalman filter: each track predicts its box with a constant velocity, detections are
matched to predictions by IoU plus centre distance (Hungarian assignment when SciPy is there, greedy
otherwise), tracks survive `max_age` missed frames, and ids are never reused. Each track also keeps
motion-adaptive smoothed boxes and landmarks, which later stages can align with to avoid flicker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from id2face.face.types import Face

__all__ = ["FaceTracker", "Track", "box_iou", "ema_update"]

_INFEASIBLE = 1e6


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between every box of a (N, 4) and every box of b (M, 4), x0 y0 x1 y1; returns (N, M)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]).clip(0) * (a[:, 3] - a[:, 1]).clip(0)
    area_b = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def ema_update(prev: np.ndarray | None, obs: np.ndarray | None, weight: float) -> np.ndarray | None:
    """prev + weight * (obs - prev); restarts from obs when there is no compatible previous value."""
    if obs is None:
        return None
    obs = np.asarray(obs, np.float64)
    if prev is None or prev.shape != obs.shape:
        return obs.copy()
    return prev + weight * (obs - prev)


def _centres(boxes: np.ndarray) -> np.ndarray:
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)


def _sizes(boxes: np.ndarray) -> np.ndarray:
    """Face scale: the geometric mean of width and height."""
    return np.sqrt((boxes[:, 2] - boxes[:, 0]).clip(1e-6) * (boxes[:, 3] - boxes[:, 1]).clip(1e-6))


@dataclass
class Track:
    """One person followed through the video."""

    track_id: int
    box: np.ndarray  # (4,) last matched detection
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # box change per frame
    smooth_box: np.ndarray | None = None
    smooth_keypoints5: np.ndarray | None = None
    smooth_mesh: np.ndarray | None = None
    hits: int = 1  # frames matched
    misses: int = 0  # consecutive frames without a match

    def predict(self, use_velocity: bool = True) -> np.ndarray:
        """Where the box should be in the coming frame."""
        if not use_velocity:
            return self.box
        return self.box + self.velocity * (self.misses + 1)


class FaceTracker:
    """Assigns `Face.track_id` frame by frame; call `update` once per frame, in order.

    iou_threshold: a detection may continue a track if their IoU reaches it ...
    max_distance:  ... or if their centres lie within this fraction of the face size (fast motion).
    max_age:       frames a track survives unseen (ids are stable over gaps up to that length).
    smoothing:     0 = raw landmarks; towards 1 = steadier landmarks for still faces. Motion switches
                   smoothing off progressively (`motion_scale`: relative motion per frame at which the
                   smoothing weight falls to 1/e), so moving faces do not lag.
    """

    def __init__(
        self,
        iou_threshold: float = 0.3,
        max_age: int = 15,
        max_distance: float = 0.5,
        use_velocity: bool = True,
        smoothing: float = 0.6,
        motion_scale: float = 0.05,
    ) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.iou_threshold = iou_threshold
        self.max_age = max_age
        self.max_distance = max_distance
        self.use_velocity = use_velocity
        self.smoothing = smoothing
        self.motion_scale = motion_scale
        self.tracks: list[Track] = []
        self.frame_index = -1
        self._next_id = 1

    def reset(self) -> None:
        """Forget all tracks (e.g. at a scene cut); ids still never repeat."""
        self.tracks = []

    # ---- matching -------------------------------------------------------------------------
    def _cost(self, predicted: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        iou = box_iou(predicted, boxes)
        scale = np.maximum(_sizes(predicted)[:, None], _sizes(boxes)[None, :])
        dist = np.linalg.norm(_centres(predicted)[:, None] - _centres(boxes)[None, :], axis=2) / scale
        ratio = _sizes(predicted)[:, None] / _sizes(boxes)[None, :]
        ok = (iou >= self.iou_threshold) | ((dist <= self.max_distance) & (ratio < 2.0) & (ratio > 0.5))
        return np.where(ok, (1.0 - iou) + dist, _INFEASIBLE)

    @staticmethod
    def _assign(cost: np.ndarray) -> list[tuple[int, int]]:
        if cost.size == 0:
            return []
        try:
            from scipy.optimize import linear_sum_assignment

            rows, cols = linear_sum_assignment(cost)
            pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
        except ImportError:  # greedy: cheapest pair first
            pairs, used_r, used_c = [], set(), set()
            for flat in np.argsort(cost, axis=None, kind="stable"):
                r, c = divmod(int(flat), cost.shape[1])
                if r not in used_r and c not in used_c:
                    pairs.append((r, c))
                    used_r.add(r)
                    used_c.add(c)
        return [(r, c) for r, c in pairs if cost[r, c] < _INFEASIBLE]

    # ---- per frame ------------------------------------------------------------------------
    def update(self, faces: list[Face]) -> list[Face]:
        """Match this frame's faces to the tracks, set their track_id and smoothed geometry; returns faces.

        Each face gets extras["smooth_box"], extras["smooth_keypoints5"] and, with a mesh,
        extras["smooth_mesh"] (float64 arrays, photo pixels).
        """
        self.frame_index += 1
        boxes = np.array([np.asarray(f.box, np.float64) for f in faces]).reshape(-1, 4)
        predicted = np.array([t.predict(self.use_velocity) for t in self.tracks]).reshape(-1, 4)
        pairs = self._assign(self._cost(predicted, boxes))

        matched_tracks = set()
        for ti, fi in pairs:
            self._continue(self.tracks[ti], faces[fi])
            matched_tracks.add(ti)
        matched_faces = {fi for _, fi in pairs}
        for ti, track in enumerate(self.tracks):
            if ti not in matched_tracks:
                track.misses += 1
        self.tracks = [t for t in self.tracks if t.misses <= self.max_age]
        for fi, face in enumerate(faces):
            if fi not in matched_faces:
                self.tracks.append(self._start(face))
        return faces

    def _start(self, face: Face) -> Track:
        track = Track(self._next_id, np.asarray(face.box, np.float64).copy())
        self._next_id += 1
        self._smooth(track, face, weight=1.0)
        return track

    def _continue(self, track: Track, face: Face) -> None:
        box = np.asarray(face.box, np.float64)
        gap = track.misses + 1
        step = (box - track.box) / gap
        track.velocity = step if track.hits == 1 else 0.5 * track.velocity + 0.5 * step
        shift = _centres(box[None])[0] - _centres(track.box[None])[0]
        motion = float(np.linalg.norm(shift) / gap / _sizes(box[None])[0])  # face sizes per frame
        # After a gap the old smoothed state is stale: restart from the observation.
        weight = 1.0 if track.misses else 1.0 - self.smoothing * np.exp(-motion / self.motion_scale)
        track.box = box.copy()
        track.hits += 1
        track.misses = 0
        self._smooth(track, face, weight)

    def _smooth(self, track: Track, face: Face, weight: float) -> None:
        face.track_id = track.track_id
        track.smooth_box = ema_update(track.smooth_box, face.box, weight)
        track.smooth_keypoints5 = ema_update(track.smooth_keypoints5, face.keypoints5, weight)
        track.smooth_mesh = ema_update(track.smooth_mesh, face.mesh, weight)
        face.extras["smooth_box"] = track.smooth_box.copy()
        face.extras["smooth_keypoints5"] = None if track.smooth_keypoints5 is None else track.smooth_keypoints5.copy()
        if track.smooth_mesh is not None:
            face.extras["smooth_mesh"] = track.smooth_mesh.copy()

    # ---- queries --------------------------------------------------------------------------
    def track(self, track_id: int) -> Track | None:
        """The live track with this id, if it has not expired."""
        return next((t for t in self.tracks if t.track_id == track_id), None)
