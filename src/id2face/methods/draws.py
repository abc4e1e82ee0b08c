"""Several new faces drawn for one face; the one the model's recognizer finds least like the real person kept.

Why: the model holds a fake identity only loosely, and now and then a draw lands near the real person as a
recognizer sees it once written: at the face's own size in the photo, where a small face is a few pixels of
layout, tone and outline. Each draw is looked at that way (pasted over the real crop where it will be pasted,
brought down to the face's pixel size and back up) and the one least like the source is kept. The draws differ
only by their keys (`draw_key`), so a run stays reproducible and the first draw is what one draw gives.
"""

from __future__ import annotations

import cv2
import numpy as np

from id2face.face.types import Face
from id2face.geometry import affine_scale


def draw_key(key: str, draw: int) -> str:
    """The identity key of a face's `draw`-th new face (the 0th: the face's own key)."""
    return key if draw == 0 else f"{key}:draw{draw}"


def photo_scale(face: Face) -> float:
    """Crop pixels per photo pixel of an aligned face (1 when it has no alignment)."""
    return 1.0 if face.matrix is None else affine_scale(face.matrix)


def as_seen(crops: np.ndarray, new: np.ndarray, weights: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """(N, S, S, 3) uint8: each new crop over its real one with `weights` (N, S, S) in [0, 1], at the detail
    its face has in the photo: a crop `scales[i]` times the face's pixel size there is brought down to that
    size and back (a face larger than its crop keeps the crop's detail)."""
    out = np.empty_like(new)
    size = new.shape[1]
    for i in range(len(new)):
        w = np.asarray(weights[i], np.float32)[..., None]
        comp = np.clip(np.rint(crops[i] * (1.0 - w) + new[i] * w), 0, 255).astype(np.uint8)
        small = int(round(size / scales[i])) if scales[i] > 1.0 else size
        if small < size:
            low = cv2.resize(comp, (max(small, 4), max(small, 4)), interpolation=cv2.INTER_AREA)
            comp = cv2.resize(low, (size, size), interpolation=cv2.INTER_LINEAR)
        out[i] = comp
    return out


def least_like(embeddings: np.ndarray, sources: np.ndarray) -> int:
    """Index of the row of `embeddings` (K, D) with the lowest cosine similarity to `sources` (D,)."""
    e = np.asarray(embeddings, np.float64)
    s = np.asarray(sources, np.float64)
    e = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    s = s / max(float(np.linalg.norm(s)), 1e-12)
    return int(np.argmin(e @ s))
