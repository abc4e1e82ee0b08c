"""What every detection scene is made of: the scene size, a source face, a backdrop, a pasted head.

Split from scenes.py so that the composers of several faces (evaluation/detection/beside.py) use the same
parts without importing the module that dispatches to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SCENE_SIZE = (640, 480)  # w, h
SKIMAGE_FACE_FREE = (
    "coffee",
    "rocket",
    "chelsea",
    "coins",
    "moon",
    "page",
    "text",
    "brick",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "cell",
    "colorwheel",
    "logo",
    "clock",
    "horse",
    "binary_blobs",
    "checkerboard",
)


@dataclass
class SourceFace:
    """A photo with one face and that face's outline (the mesh's oval points, photo pixels)."""

    path: Path
    image: np.ndarray
    outline: np.ndarray  # (K, 2)

    @property
    def box(self) -> np.ndarray:
        return np.concatenate([self.outline.min(0), self.outline.max(0)])

    def warp_to(self, centre: np.ndarray, angle: float, scale: float) -> np.ndarray:
        """The 2x3 warp that turns the photo by `angle` degrees and scales it by `scale` about its face's
        box centre, and takes that centre to `centre` (scene pixels)."""
        b = self.box
        mid = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        m = cv2.getRotationMatrix2D(mid, angle, scale)
        m[:, 2] += centre - np.array(mid)
        return m

    def outline_box(self, m: np.ndarray) -> np.ndarray:
        """The face's outline box once the photo is warped by `m` (not clipped)."""
        outline = self.outline @ m[:, :2].T + m[:, 2]
        return np.concatenate([outline.min(0), outline.max(0)])


@dataclass
class Scene:
    image: np.ndarray
    category: str
    boxes: np.ndarray  # (N, 4) ground-truth face boxes, clipped to the frame; (0, 4) for face-free
    source: str = ""


def background(rng: np.random.Generator) -> np.ndarray:
    """A scene's backdrop: a view of a public sample photo, or a plain colour gradient. The harsh
    synthetic textures (colour noise, stripes) stay in the face-free set, where they test false alarms."""
    pool = skimage_pool()
    if pool and rng.random() < 0.8:
        return random_view(pool[rng.integers(len(pool))], rng)
    w, h = SCENE_SIZE
    a, b = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    return np.broadcast_to(a * (1 - t) + b * t, (h, w, 3)).astype(np.uint8).copy()


def paste_head(scene: np.ndarray, src: SourceFace, m: np.ndarray, reach: float = 0.95) -> None:
    """Warp the source into the scene inside a feathered ellipse around the head and shoulders
    (`reach`: the ellipse's half-axes relative to the face box)."""
    h, w = scene.shape[:2]
    b = src.box
    keep = np.zeros(src.image.shape[:2], np.float32)
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2 + 0.1 * (b[3] - b[1])
    axes = (int(reach * (b[2] - b[0])), int(reach * (b[3] - b[1])))
    cv2.ellipse(keep, (int(cx), int(cy)), axes, 0, 0, 360, 1.0, -1)
    keep = cv2.GaussianBlur(keep, (0, 0), 0.08 * (b[3] - b[1]))
    warped = cv2.warpAffine(src.image, m, (w, h), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(keep, m, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    scene[:] = np.clip(scene * (1 - alpha) + warped * alpha, 0, 255).astype(np.uint8)


def skimage_pool() -> list[np.ndarray]:
    global _POOL
    if _POOL is None:
        import skimage.data

        _POOL = []
        for name in SKIMAGE_FACE_FREE:
            fn = getattr(skimage.data, name, None)
            if fn is None:
                continue
            try:
                # binary_blobs draws new blobs on each call unless seeded: the same seed would give
                # other scenes in every process (tiny-face recall moved by a scene or two between runs).
                img = np.asarray(fn(rng=0) if name == "binary_blobs" else fn())
            except Exception:  # noqa: BLE001 - an optional sample image that needs a download
                continue
            if img.dtype == bool:
                img = img.astype(np.uint8) * 255
            if img.dtype != np.uint8:
                img = cv2.normalize(img.astype(np.float64), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
            if img.ndim == 2:
                img = np.repeat(img[..., None], 3, axis=2)
            if img.ndim == 3 and img.shape[2] >= 3 and min(img.shape[:2]) >= 64:
                _POOL.append(np.ascontiguousarray(img[..., :3]))
    return _POOL


_POOL: list[np.ndarray] | None = None


def random_view(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scene-size crop of `img` at a random scale, maybe mirrored."""
    w, h = SCENE_SIZE
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih) * rng.uniform(1.0, 1.8)
    big = cv2.resize(img, (int(np.ceil(iw * s)), int(np.ceil(ih * s))), interpolation=cv2.INTER_LINEAR)
    y = rng.integers(0, big.shape[0] - h + 1)
    x = rng.integers(0, big.shape[1] - w + 1)
    view = big[y : y + h, x : x + w]
    return np.ascontiguousarray(view[:, ::-1] if rng.random() < 0.5 else view)


def texture(rng: np.random.Generator) -> np.ndarray:
    """Smooth noise, stripes or random blobs: surfaces that detectors sometimes mistake for faces."""
    w, h = SCENE_SIZE
    kind = rng.integers(3)
    if kind == 0:
        small = rng.integers(0, 255, (h // 16 + 1, w // 16 + 1, 3)).astype(np.uint8)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        return np.clip(img.astype(np.int16) + rng.integers(-12, 12, img.shape), 0, 255).astype(np.uint8)
    if kind == 1:
        yy, xx = np.mgrid[0:h, 0:w]
        a = rng.uniform(0, np.pi)
        period = rng.uniform(8, 60)
        wave = 127 + 100 * np.sin((xx * np.cos(a) + yy * np.sin(a)) * 2 * np.pi / period)
        tint = rng.uniform(0.5, 1.0, 3)
        return np.clip(wave[..., None] * tint, 0, 255).astype(np.uint8)
    img = np.full((h, w, 3), rng.integers(0, 255, 3), np.uint8)
    for _ in range(int(rng.integers(10, 40))):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(5, 80)), int(rng.integers(5, 80)))
        cv2.ellipse(
            img, centre, axes, float(rng.uniform(0, 180)), 0, 360, rng.integers(0, 255, 3).tolist(), -1
        )
    return img
