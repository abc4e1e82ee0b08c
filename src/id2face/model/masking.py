"""Identity masking: the non-identity branch must never see the inner-face region (paper)."""

from __future__ import annotations

import numpy as np
import torch

MASK_THRESHOLD = 1e-3


def keep_mask(mask: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) soft face mask -> hard 0/1 'visible to the non-identity branch' mask.

    Everything the feathered mask touches at all is removed (mask generously), and the product
    with a hard 0 also zeroes the gradient from those pixels.
    """
    return (mask <= MASK_THRESHOLD).to(mask.dtype)


def identity_masked(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Image in [-1, 1] with the identity region set to 0 (mid grey)."""
    return image * keep_mask(mask)


def default_mask(size: int, points: np.ndarray) -> np.ndarray:
    """An elliptical inner-face mask from five template points (brows to chin, cheek to cheek).

    Used when the caller gives no mask; the front-end's mesh-based mask is better.
    """
    p = np.asarray(points, dtype=np.float64) * size
    eye_c, mouth_c = p[:2].mean(0), p[3:].mean(0)
    eye_d = float(np.linalg.norm(p[1] - p[0]))
    centre = (eye_c + mouth_c) / 2 + np.array([0.0, 0.1 * eye_d])
    ax, ay = 1.15 * eye_d, 1.25 * float(np.linalg.norm(mouth_c - eye_c)) + 0.55 * eye_d
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    r = np.sqrt(((xx - centre[0]) / ax) ** 2 + ((yy - centre[1]) / ay) ** 2)
    return np.clip((1.15 - r) / 0.3, 0.0, 1.0).astype(np.float32)
