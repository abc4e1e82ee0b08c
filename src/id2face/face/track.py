"""Frame-to-frame face tracking, so that one person keeps one id (and one fake identity) across a video.

SORT without the Kalman filter: each track predicts its box with a constant velocity, detections are
matched to predictions by IoU plus centre distance (Hungarian assignment when SciPy is there, greedy
otherwise), tracks survive `max_age` missed frames, and ids are never reused. Each track also keeps
smoothed boxes and landmarks (an alpha-beta filter whose gain rises with unpredicted motion, so still
faces stop jittering and moving faces do not lag), which later stages can align with to avoid flicker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from id2face.face.types import Face
from id2face.geometry import box_iou

__all__ = ["FaceTracker", "PointSmoother", "Track", "box_iou"]

_INFEASIBLE = 1e6


@dataclass
class PointSmoother:
    """Alpha-beta filter over any array of coordinates: predict with a constant velocity, correct
    towards the observation by `gain`. Unlike a plain moving average it does not lag behind steady
    motion. A missing observation or a change of shape restarts it."""

    value: np.ndarray | None = None
    velocity: np.ndarray | None = None

    def predict(self) -> np.ndarray | None:
        return None if self.value is None else self.value + self.velocity

    def reset(self, obs: np.ndarray | None, velocity: np.ndarray | None = None) -> np.ndarray | None:
        self.value = None if obs is None else np.asarray(obs, np.float64).copy()
        self.velocity = None if obs is None else np.broadcast_to(
            np.zeros(1) if velocity is None else velocity, self.value.shape).astype(np.float64)
        return self.value

    def coast(self, frames: int) -> None:
        """Advance through `frames` frames without observations."""
        if self.value is not None and frames > 0:
            self.value = self.value + frames * self.velocity

    def update(self, obs: np.ndarray | None, gain: float) -> np.ndarray | None:
        if obs is None or self.value is None or np.shape(obs) != self.value.shape:
            return self.reset(obs)
        predicted = self.value + self.velocity
        residual = np.asarray(obs, np.float64) - predicted
        self.value = predicted + gain * residual
        # Critically damped choice of the velocity gain for a given position gain.
        self.velocity = self.velocity + gain * gain / (2.0 - gain) * residual
        return self.value


def _ahead(smoother: PointSmoother, frames: int) -> np.ndarray | None:
    """The smoother's value `frames` frames on at its velocity (its state is left as it is)."""
    return None if smoother.value is None else smoother.value + frames * smoother.velocity


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
    smooth_box: PointSmoother = field(default_factory=PointSmoother)
    smooth_keypoints5: PointSmoother = field(default_factory=PointSmoother)
    smooth_mesh: PointSmoother = field(default_factory=PointSmoother)
    hits: int = 1  # frames matched
    sure: bool = False  # a frame of it was a sure face (Face.unsure False): it stays a face from then on
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
    smoothing:     0 = raw landmarks; towards 1 = steadier landmarks. Unpredicted motion switches the
                   smoothing off progressively (`motion_scale`: mean landmark surprise, in face sizes,
                   at which it falls to 1/e), so a turning or jumping face is followed at once.
    coast_frames:  smoothing carries on across detector misses up to this long; longer gaps restart it.
    """

    def __init__(
        self,
        iou_threshold: float = 0.3,
        max_age: int = 15,
        max_distance: float = 0.5,
        use_velocity: bool = True,
        smoothing: float = 0.6,
        motion_scale: float = 0.05,
        coast_frames: int = 3,
    ) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.iou_threshold = iou_threshold
        self.max_age = max_age
        self.max_distance = max_distance
        self.use_velocity = use_velocity
        self.smoothing = smoothing
        self.motion_scale = motion_scale
        self.coast_frames = coast_frames
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

        Each face gets smooth_box, smooth_keypoints5 and, with a mesh, smooth_mesh (float64 arrays,
        photo pixels).
        """
        self.frame_index += 1
        boxes = np.array([np.asarray(f.box, np.float64) for f in faces]).reshape(-1, 4)
        predicted = np.array([t.predict(self.use_velocity) for t in self.tracks]).reshape(-1, 4)
        cost = self._cost(predicted, boxes)
        # A face unseen for a while may have stopped where it was lost rather than kept moving.
        lost = np.array([t.misses > 0 for t in self.tracks], bool)
        if lost.any():
            last = np.array([t.box for t in self.tracks]).reshape(-1, 4)
            cost[lost] = np.minimum(cost[lost], self._cost(last[lost], boxes))
        pairs = self._assign(cost)

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
        self._restart_smoothing(track, face)
        return track

    def _continue(self, track: Track, face: Face) -> None:
        box = np.asarray(face.box, np.float64)
        gap = track.misses + 1
        step = (box - track.box) / gap
        track.velocity = step if track.hits == 1 else 0.5 * track.velocity + 0.5 * step
        track.box = box.copy()
        track.hits += 1
        if track.misses > self.coast_frames:  # stale after a long gap: restart from the observation
            track.misses = 0
            self._restart_smoothing(track, face)
            return
        for smoother in (track.smooth_box, track.smooth_keypoints5, track.smooth_mesh):
            smoother.coast(track.misses)  # a short miss (detector blink): carry on at the learnt velocity
        track.misses = 0
        ref, obs = track.smooth_keypoints5, face.keypoints5
        if obs is None or ref.value is None or np.shape(obs) != ref.value.shape:
            ref, obs = track.smooth_box, box
        surprise = float(np.linalg.norm(np.asarray(obs, np.float64) - ref.predict(), axis=-1).mean())
        surprise /= float(_sizes(box[None])[0])
        gain = 1.0 - self.smoothing * float(np.exp(-surprise / self.motion_scale))
        track.smooth_box.update(box, gain)
        track.smooth_keypoints5.update(face.keypoints5, gain)
        track.smooth_mesh.update(face.mesh, gain)
        self._publish(track, face)

    def _restart_smoothing(self, track: Track, face: Face) -> None:
        shift = np.array(
            [(track.velocity[0] + track.velocity[2]) / 2, (track.velocity[1] + track.velocity[3]) / 2]
        )
        track.smooth_box.reset(face.box, track.velocity)
        track.smooth_keypoints5.reset(face.keypoints5, shift)
        mesh_shift = None
        if face.mesh is not None:  # (478, 2) or (478, 3): z does not move with the box
            mesh_shift = np.zeros(np.shape(face.mesh)[-1])
            mesh_shift[:2] = shift
        track.smooth_mesh.reset(face.mesh, mesh_shift)
        self._publish(track, face)

    @staticmethod
    def _publish(track: Track, face: Face) -> None:
        face.track_id = track.track_id
        track.sure = track.sure or not face.unsure  # no switching between a new face and a blur
        face.unsure = not track.sure
        for name in ("smooth_box", "smooth_keypoints5", "smooth_mesh"):
            value = getattr(track, name).value
            setattr(face, name, None if value is None else value.copy())

    # ---- gaps -----------------------------------------------------------------------------
    def gap_faces(self, max_gap: int = 3, min_hits: int = 2) -> list[Face]:
        """Faces for the tracks the detector missed in this frame, where they should be.

        A face the detector loses for a frame or two (a turn, motion blur) would otherwise be shown
        as it is in that frame. Tracks seen in at least `min_hits` frames (no ghosts from one false
        detection) and unseen for at most `max_gap` frames yield a Face at their predicted box,
        keypoints and mesh (detector "track-gap"), so the caller can replace it all the same.
        """
        out = []
        for t in self.tracks:
            if not 1 <= t.misses <= max_gap or t.hits < min_hits:
                continue
            ahead = {name: _ahead(getattr(t, name), t.misses) for name in ("smooth_box", "smooth_keypoints5",
                                                                             "smooth_mesh")}
            box = ahead["smooth_box"] if ahead["smooth_box"] is not None else t.predict(self.use_velocity)
            if ahead["smooth_keypoints5"] is None:
                continue  # nothing to align with
            face = Face(box=box.copy(), score=0.0, keypoints5=ahead["smooth_keypoints5"].copy(),
                        mesh=None if ahead["smooth_mesh"] is None else ahead["smooth_mesh"].copy(),
                        track_id=t.track_id, detector="track-gap", unsure=not t.sure)
            for name, value in ahead.items():
                setattr(face, name, None if value is None else value.copy())
            out.append(face)
        return out

    # ---- queries --------------------------------------------------------------------------
    def track(self, track_id: int) -> Track | None:
        """The live track with this id, if it has not expired."""
        return next((t for t in self.tracks if t.track_id == track_id), None)
