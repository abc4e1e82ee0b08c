"""A video track's source identity, embedded on its first frames and then reused."""

from __future__ import annotations

import numpy as np


class TrackIdentities:
    """Source identity per video track: the mean of its first `frames` embeddings, then reused.

    A person's identity does not change within a track, so embedding every frame would only add
    time (the recognizer is ~80 ms per face on a CPU) and jitter: the fake identity derived from
    it would flicker from frame to frame.
    """

    def __init__(self, frames: int = 5) -> None:
        self.frames = frames
        self._sum: dict[int, np.ndarray] = {}
        self._count: dict[int, int] = {}

    def reset(self) -> None:
        self._sum.clear()
        self._count.clear()

    def needs(self, track_id: int) -> bool:
        return self._count.get(track_id, 0) < self.frames

    def add(self, track_id: int, embedding: np.ndarray) -> None:
        self._sum[track_id] = self._sum.get(track_id, 0.0) + np.asarray(embedding, np.float64)
        self._count[track_id] = self._count.get(track_id, 0) + 1

    def get(self, track_id: int) -> np.ndarray:
        mean = self._sum[track_id] / self._count[track_id]
        return (mean / max(np.linalg.norm(mean), 1e-12)).astype(np.float32)


class PersonRegistry:
    """One id per real person across a whole run (`--consistent`), for faces without a track.

    A face joins the nearest known person whose identity (the unit mean of its first `frames`
    embeddings) lies within `threshold` (unit-norm L2, the recognizer's own same-person limit);
    otherwise it starts a new person. Photos of one person then get one fake identity, which keeps
    a dataset's identity structure (and keeps those photos linkable: hence opt-in).
    """

    def __init__(self, threshold: float, frames: int = 5) -> None:
        self.threshold = threshold
        self.frames = frames
        self._sums: list[np.ndarray] = []
        self._counts: list[int] = []
        self._units = np.zeros((0, 0))  # (people, D) unit means, one matrix for the nearest search

    def assign(self, embedding: np.ndarray) -> int:
        e = np.asarray(embedding, np.float64)
        e = e / max(np.linalg.norm(e), 1e-12)
        if len(self._counts):
            dist = np.linalg.norm(self._units - e, axis=1)
            pid = int(np.argmin(dist))
            if dist[pid] < self.threshold:
                if self._counts[pid] < self.frames:
                    self._add(pid, e)
                return pid
        self._sums.append(np.zeros_like(e))
        self._counts.append(0)
        self._units = np.vstack([self._units.reshape(-1, len(e)), np.zeros((1, len(e)))])
        self._add(len(self._counts) - 1, e)
        return len(self._counts) - 1

    def _add(self, pid: int, e: np.ndarray) -> None:
        self._sums[pid] = self._sums[pid] + e
        self._counts[pid] += 1
        mean = self._sums[pid] / self._counts[pid]
        self._units[pid] = mean / max(np.linalg.norm(mean), 1e-12)

    def get(self, person: int) -> np.ndarray:
        return self._units[person].astype(np.float32)
