"""Similarity transforms and crop templates shared by the front-end and the models.

A crop template says where the five canonical landmarks (right eye, left eye, nose tip,
right mouth corner, left mouth corner; "right" is the subject's right, i.e. image left)
sit inside a square crop, in coordinates normalised to [0, 1]. Any model or recognizer
declares its template; a face aligned to one template can be re-warped to another exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ArcFace's 112x112 five-point template, normalised (the de-facto recognizer template).
ARCFACE_POINTS = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
) / 112.0


@dataclass(frozen=True)
class CropTemplate:
    """Where the five landmarks go in a square crop (normalised coordinates)."""

    name: str
    points: tuple[tuple[float, float], ...]

    def pixels(self, size: int) -> np.ndarray:
        """The template's landmarks in pixel coordinates of a size x size crop."""
        return np.asarray(self.points, dtype=np.float64) * size

    @staticmethod
    def scaled(name: str, base: np.ndarray, factor: float, center: tuple[float, float]) -> CropTemplate:
        """A looser (factor < 1) or tighter template made by scaling `base` about `center`."""
        c = np.asarray(center, dtype=np.float64)
        pts = c + (np.asarray(base, dtype=np.float64) - c) * factor
        return CropTemplate(name, tuple((float(x), float(y)) for x, y in pts))


ARCFACE = CropTemplate("arcface", tuple((float(x), float(y)) for x, y in ARCFACE_POINTS))
# FFHQ-like loose crop: whole head from hairline to below the chin, eyes at ~42 % height.
FFHQ = CropTemplate.scaled("ffhq", ARCFACE_POINTS, 0.716, (0.5, 0.313))
TEMPLATES = {t.name: t for t in (ARCFACE, FFHQ)}


def umeyama_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping src to dst.

    Returns a 2x3 matrix M such that dst ~= M @ [x, y, 1]. Umeyama (1991), no reflection.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s0, d0 = src - mu_s, dst - mu_d
    cov = d0.T @ s0 / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    rot = u @ np.diag(d) @ vt
    var_s = (s0**2).sum() / len(src)
    scale = float((sig * d).sum() / var_s) if var_s > 0 else 1.0
    t = mu_d - scale * rot @ mu_s
    return np.hstack([scale * rot, t[:, None]])


def invert_affine(m: np.ndarray) -> np.ndarray:
    """Exact inverse of a 2x3 affine matrix."""
    full = np.vstack([np.asarray(m, dtype=np.float64), [0.0, 0.0, 1.0]])
    return np.linalg.inv(full)[:2]


def compose_affine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 2x3 affine that applies b first, then a."""
    fa = np.vstack([a, [0.0, 0.0, 1.0]])
    fb = np.vstack([b, [0.0, 0.0, 1.0]])
    return (fa @ fb)[:2]


def affine_scale(m: np.ndarray) -> float:
    """How much a 2x3 similarity (or any affine) scales lengths: the square root of its area factor."""
    return float(np.sqrt(abs(np.linalg.det(np.asarray(m, np.float64)[:, :2]))))


def apply_affine(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Map (N, 2) points through a 2x3 affine matrix."""
    pts = np.asarray(pts, dtype=np.float64)
    return pts @ np.asarray(m)[:, :2].T + np.asarray(m)[:, 2]


def template_to_template(src: CropTemplate, src_size: int, dst: CropTemplate, dst_size: int) -> np.ndarray:
    """Affine taking pixels of a crop aligned to `src` into a crop aligned to `dst`."""
    return umeyama_similarity(src.pixels(src_size), dst.pixels(dst_size))


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
