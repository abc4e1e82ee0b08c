"""How light a face's skin is: CIE L* at its face mesh's cheek vertices (the evaluation's skin-tone measure
and the labels of the model's skin-tone read-out, model/skin_tone.py)."""

from __future__ import annotations

import cv2
import numpy as np

# MediaPipe face-mesh vertices on both cheeks, below the eyes and beside the nose: skin on nearly every face
# (not hair, brows, beard or lips), and seen from either side on turned heads.
CHEEK_VERTICES = (50, 101, 118, 123, 205, 280, 330, 347, 352, 425)


def cheek_lightness(crop: np.ndarray, points: np.ndarray) -> float:
    """Median L* (0 black, 100 white) of a uint8 RGB crop at the cheek vertices of `points` (a 478-point mesh
    in the crop's pixels), each averaged over 3x3 pixels; NaN if every vertex is off the crop."""
    h, w = crop.shape[:2]
    lab = cv2.cvtColor(np.ascontiguousarray(crop).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    values = [float(lab[y - 1:y + 2, x - 1:x + 2, 0].mean())
              for x, y in np.round(np.asarray(points, np.float64)[list(CHEEK_VERTICES), :2]).astype(int)
              if 1 <= x < w - 1 and 1 <= y < h - 1]
    return float(np.median(values)) if values else float("nan")
