"""Image change and sharpness: what anonymization did to pixels it should leave alone.

`outside_psnr`/`outside_ssim` compare originals and results where the face mask is 0 (the rest
of the photo must come through untouched); `sharpness` is the variance of the Laplacian.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.metrics import structural_similarity


def _gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img


def outside_psnr(orig: np.ndarray, anon: np.ndarray, mask: np.ndarray, max_value: float = 255.0) -> float:
    """PSNR (dB) over pixels where mask == 0; inf when they are identical."""
    keep = np.asarray(mask) <= 0
    if not keep.any():
        return float("nan")
    diff = orig.astype(np.float64) - anon.astype(np.float64)
    mse = float((diff[keep] ** 2).mean())
    return float("inf") if mse == 0 else float(10 * np.log10(max_value**2 / mse))


def outside_ssim(orig: np.ndarray, anon: np.ndarray, mask: np.ndarray) -> float:
    """Mean SSIM (grayscale, 7x7 windows) over pixels where mask == 0."""
    keep = np.asarray(mask) <= 0
    if not keep.any():
        return float("nan")
    a, b = _gray(orig), _gray(anon)
    if min(a.shape) < 7:
        return float("nan")
    _, smap = structural_similarity(a, b, data_range=255, full=True)
    return float(smap[keep].mean())


def faces_mask(shape: tuple[int, ...], boxes: np.ndarray, meshes: list[np.ndarray | None],
               margin: float = 0.25) -> np.ndarray:
    """The region anonymization may change: each face's box grown by `margin` (the mask a method
    replaces is inside it; the mesh hull grown likewise when there is a mesh)."""
    h, w = shape[:2]
    m = np.zeros((h, w), np.uint8)
    for box, mesh in zip(boxes, meshes, strict=True):
        x0, y0, x1, y1 = (float(v) for v in box)
        if mesh is not None:
            x0, y0 = mesh[:, 0].min(), mesh[:, 1].min()
            x1, y1 = mesh[:, 0].max(), mesh[:, 1].max()
            x0, x1 = min(x0, box[0]), max(x1, box[2])
            y0, y1 = min(y0, box[1]), max(y1, box[3])
        dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
        cv2.rectangle(
            m, (int(x0 - dx), int(y0 - 1.6 * dy)), (int(np.ceil(x1 + dx)), int(np.ceil(y1 + dy))), 1, -1
        )
    return m


def sharpness(crop: np.ndarray) -> float:
    """Variance of the Laplacian of the grayscale crop (higher = sharper)."""
    return float(cv2.Laplacian(_gray(crop).astype(np.float64), cv2.CV_64F).var())
