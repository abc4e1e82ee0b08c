"""A photo scaled down to a bounded side: what every detector and the hand search look at."""

from __future__ import annotations

import cv2
import numpy as np


def downscaled(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """(image scaled down to at most `max_side` px on its longer side, scale); the image itself if it fits."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale == 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale
