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
