"""Scenes with known face boxes, composed from real photos, and face-free images for false alarms.

A source photo counts when the front-end finds exactly one face with a mesh in it at its native
size; that face's ground truth is the mesh's outline, which no detector's box convention favours.
The face (with its head and shoulders) is warped into a background scene by a known similarity,
and its outline goes through the same transform, so every scene knows where its face is. All
draws come from one seeded generator: the same seed gives the same scenes. A face's size is its
width (the outline, ear to ear), in scene pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from id2face.face.landmarks import FACE_OVAL

SCENE_SIZE = (640, 480)  # w, h
CATEGORIES = (
    "tiny 16-31 px",
    "small 32-63 px",
    "medium 64-191 px",
    "large 192 px-90 %",
    "cut left",
    "cut right",
    "cut top",
    "cut bottom",
    "turned 15-30°",
    "turned 90°",
    "half covered",
    "defocused",
    "dark",
    "crowd 8-24 faces",
    "printed in dots",  # new ones go last: the categories before them keep their scenes (seeded by place)
    "upright and turned",
)
CROWD = "crowd 8-24 faces"
PRINTED = "printed in dots"
BESIDE = "upright and turned"  # two faces: one upright, one at 90, 180 or 270 degrees (people lying down)
PRINT_PERIOD = (3.0, 6.0)  # a halftone's period in pixels: a newspaper's screen scanned at 1-2x its lines
CROWD_FACES = (8, 24)  # faces in a crowd scene
CROWD_SIZE = (20, 56)  # the group's typical face width (each face 0.8-1.25x of it)
CROWD_SPACING = 1.5  # centres at least this many face widths apart, so no pasted head covers a face
CROWD_REACH = 0.7  # a crowd head's pasted ellipse, relative to its face box (one face: 0.95)
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


@dataclass
class Scene:
    image: np.ndarray
    category: str
    boxes: np.ndarray  # (N, 4) ground-truth face boxes, clipped to the frame; (0, 4) for face-free
    source: str = ""


def find_sources(data: Path, detector, count: int, seed: int = 0, min_height: float = 64) -> list[SourceFace]:
    """Up to `count` photos under `data` (searched recursively, drawn by seed) with one clear face
    at least `min_height` pixels tall (scenes enlarge faces up to 90 % of the frame)."""
    from id2face.io.images import load_image

    paths = sorted(p for p in Path(data).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    rng = np.random.default_rng(seed)
    out: list[SourceFace] = []
    for i in rng.permutation(len(paths)):
        if len(out) >= count:
            break
        image = load_image(paths[i])
        faces = detector.detect(image)
        if len(faces) != 1 or faces[0].mesh is None:
            continue
        src = SourceFace(paths[i], image, faces[0].mesh[list(FACE_OVAL), :2].copy())
        if src.box[3] - src.box[1] >= min_height:
            out.append(src)
    return out


def face_free_images(count: int, seed: int = 0) -> list[np.ndarray]:
    """Scene-size images without faces: public sample images (crops, scales, flips) and textures."""
    rng = np.random.default_rng(seed)
    pool = _skimage_pool()
    out = []
    for i in range(count):
        if i % 3 == 2 or not pool:
            out.append(_texture(rng))
        else:
            out.append(_random_view(pool[rng.integers(len(pool))], rng))
    return out


def background(rng: np.random.Generator) -> np.ndarray:
    """A scene's backdrop: a view of a public sample photo, or a plain colour gradient. The harsh
    synthetic textures (colour noise, stripes) stay in the face-free set, where they test false alarms."""
    pool = _skimage_pool()
    if pool and rng.random() < 0.8:
        return _random_view(pool[rng.integers(len(pool))], rng)
    w, h = SCENE_SIZE
    a, b = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    return np.broadcast_to(a * (1 - t) + b * t, (h, w, 3)).astype(np.uint8).copy()


def compose(sources: list[SourceFace], category: str, rng: np.random.Generator) -> Scene:
    """One scene of `category` with one face from `sources` (a crowd: many)."""
    if category == CROWD:
        return compose_crowd(sources, rng)
    if category == BESIDE:
        from id2face.evaluation.detection.beside import compose_beside

        return compose_beside(sources, rng)
    src = sources[rng.integers(len(sources))]
    w, h = SCENE_SIZE
    scene = background(rng)
    b = src.box
    sw, sh = b[2] - b[0], b[3] - b[1]
    size = _face_size(category, rng, sh / sw)  # face width (the outline, ear to ear) in scene pixels
    angle = 0.0
    if category.startswith("turned 15"):
        angle = float(rng.choice([-1, 1]) * rng.uniform(15, 30))
    elif category == "turned 90°":
        angle = float(rng.choice([-90, 90]))
    scale = size / sw
    centre = _face_centre(category, size, size * sh / sw, rng)
    m = cv2.getRotationMatrix2D(((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), angle, scale)
    m[:, 2] += centre - np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    paste_head(scene, src, m)
    outline = src.outline @ m[:, :2].T + m[:, 2]
    if category == "half covered":
        _cover(scene, outline, rng)
    elif category == "defocused":
        sigma = rng.uniform(0.03, 0.06) * size + 1.0
        scene = cv2.GaussianBlur(scene, (0, 0), sigma)
    elif category == "dark":
        gain = rng.uniform(0.1, 0.25)
        noise = rng.normal(0, rng.uniform(1.5, 3.0), scene.shape)
        scene = np.clip(scene.astype(np.float64) * gain + noise, 0, 255).astype(np.uint8)
    elif category == PRINTED:
        scene = _printed(scene, rng)
    box = np.concatenate([outline.min(0), outline.max(0)])
    box = np.clip(box, 0, [w, h, w, h])
    return Scene(scene, category, box[None, :], src.path.name)


def compose_crowd(sources: list[SourceFace], rng: np.random.Generator) -> Scene:
    """A group photo: 8-24 faces of about one size, upright, spaced so none is covered by another
    head, drawn back to front; every face is ground truth."""
    w, h = SCENE_SIZE
    scene = background(rng)
    want = int(rng.integers(CROWD_FACES[0], CROWD_FACES[1] + 1))
    typical = float(np.exp(rng.uniform(np.log(CROWD_SIZE[0]), np.log(CROWD_SIZE[1]))))
    heads: list[tuple[np.ndarray, float, SourceFace, np.ndarray]] = []  # centre, face width, source, warp
    for _ in range(40 * want):
        if len(heads) == want:
            break
        src = sources[rng.integers(len(sources))]
        b = src.box
        size = typical * rng.uniform(0.8, 1.25)
        sw, sh = b[2] - b[0], b[3] - b[1]
        centre = np.array([rng.uniform(size, w - size), rng.uniform(size * sh / sw, h - size * sh / sw)])
        if any(np.hypot(*(centre - c)) < CROWD_SPACING * max(size, s) for c, s, _, _ in heads):
            continue
        m = cv2.getRotationMatrix2D(((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), 0.0, size / sw)
        m[:, 2] += centre - np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
        heads.append((centre, size, src, m))
    boxes = []
    for _, _, src, m in heads:
        outline = src.outline @ m[:, :2].T + m[:, 2]
        boxes.append(np.concatenate([outline.min(0), outline.max(0)]))
    for _, _, src, m in sorted(heads, key=lambda t: t[0][1]):  # higher in the frame = further back: first
        paste_head(scene, src, m, CROWD_REACH)
    return Scene(scene, CROWD, np.clip(np.array(boxes), 0, [w, h, w, h]),
                 f"{len(boxes)} faces, {typical:.0f} px")


def pick_categories(prefixes: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """The categories whose name starts with one of `prefixes` ("tiny", "cut"); all for none."""
    if not prefixes:
        return CATEGORIES
    picked = tuple(c for c in CATEGORIES if c.startswith(tuple(prefixes)))
    if not picked:
        known = ", ".join(CATEGORIES)
        raise ValueError(f"no category starts with {', '.join(prefixes)}; categories: {known}")
    return picked


def scenes(
    sources: list[SourceFace], per_category: int, seed: int = 0, categories: tuple[str, ...] = CATEGORIES
) -> Iterator[Scene]:
    """`per_category` scenes of each category. A category's scenes depend only on the seed and its
    place in CATEGORIES, so a subset of categories gives the same scenes as the whole run."""
    for cat in categories:
        rng = np.random.default_rng([seed, CATEGORIES.index(cat)])
        for _ in range(per_category):
            yield compose(sources, cat, rng)


def _face_size(category: str, rng: np.random.Generator, aspect: float) -> float:
    """A face width; `aspect` (height / width) caps large faces at 90 % of the frame's height."""
    h = SCENE_SIZE[1]
    ranges = {
        "tiny": (16, 32),
        "small": (32, 64),
        "medium": (64, 192),
        "large": (192, 0.9 * h / aspect),
        "turned 90°": (64, 192),
        "cut": (80, 240),
    }
    for key, (lo, hi) in ranges.items():
        if category.startswith(key):
            # Sizes spread evenly on a log scale: small faces are as many as large ones.
            return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    return float(np.exp(rng.uniform(np.log(48), np.log(200))))


def _face_centre(category: str, fw: float, fh: float, rng: np.random.Generator) -> np.ndarray:
    """Where the face centre goes: inside the frame, or past an edge so 25-50 % of the face is cut."""
    w, h = SCENE_SIZE
    if category.startswith("cut"):
        cut = rng.uniform(0.25, 0.5)
        edge = category.split()[1]
        if edge in ("left", "right"):
            x = fw * (0.5 - cut)
            return np.array([x if edge == "left" else w - x, rng.uniform(fh / 2, max(fh / 2, h - fh / 2))])
        y = fh * (0.5 - cut)
        return np.array([rng.uniform(fw / 2, max(fw / 2, w - fw / 2)), y if edge == "top" else h - y])
    r = 0.5 * max(fw, fh) * (1.5 if category.startswith("turned") else 1.0)
    return np.array(
        [rng.uniform(min(r, w / 2), max(w - r, w / 2)), rng.uniform(min(r, h / 2), max(h - r, h / 2))]
    )


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


def _printed(scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The scene in black and white dots: error-diffused (a 1-bit export, a fax) a third of the time, else
    a clustered-dot halftone at a random period (PRINT_PERIOD), angle and phase (a scanned newspaper)."""
    from PIL import Image

    grey = cv2.cvtColor(scene, cv2.COLOR_RGB2GRAY)
    if rng.random() < 1 / 3:
        dots = np.asarray(Image.fromarray(grey).convert("1"), np.uint8) * 255
    else:
        period, angle = rng.uniform(*PRINT_PERIOD), rng.uniform(0, np.pi / 2)
        y, x = np.mgrid[0:grey.shape[0], 0:grey.shape[1]].astype(np.float64) / period
        u = x * np.cos(angle) + y * np.sin(angle) + rng.uniform()
        v = y * np.cos(angle) - x * np.sin(angle) + rng.uniform()
        threshold = (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4 + 0.5
        dots = np.where(grey / 255.0 > threshold, 255, 0).astype(np.uint8)
    return np.repeat(dots[..., None], 3, axis=2)


def _cover(scene: np.ndarray, outline: np.ndarray, rng: np.random.Generator) -> None:
    """Hide 30-50 % of the face: the lower part (a scarf), one side (another head) or the eyes' band."""
    x0, y0 = outline.min(0)
    x1, y1 = outline.max(0)
    fw, fh = x1 - x0, y1 - y0
    frac = rng.uniform(0.3, 0.5)
    colour = rng.integers(0, 255, 3).tolist()
    kind = rng.integers(3)
    if kind == 0:  # lower part
        pts = [(x0 - fw, y1 - frac * fh), (x1 + fw, y1 + fh)]
    elif kind == 1:  # one side, behind another head
        if rng.random() < 0.5:
            pts = [(x0 - fw, y0 - fh), (x0 + frac * fw, y1 + fh)]
        else:
            pts = [(x1 - frac * fw, y0 - fh), (x1 + fw, y1 + fh)]
    else:  # a band over the eyes (sunglasses, a hat's shade)
        top = y0 + 0.2 * fh
        pts = [(x0 - 0.1 * fw, top), (x1 + 0.1 * fw, top + frac * fh * 0.6)]
    (ax, ay), (bx, by) = pts
    if kind == 1:
        cv2.ellipse(
            scene,
            (int((ax + bx) / 2), int((ay + by) / 2)),
            (int((bx - ax) / 2), int((by - ay) / 2)),
            0,
            0,
            360,
            colour,
            -1,
        )
    else:
        cv2.rectangle(scene, (int(ax), int(ay)), (int(bx), int(by)), colour, -1)


def _skimage_pool() -> list[np.ndarray]:
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


def _random_view(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scene-size crop of `img` at a random scale, maybe mirrored."""
    w, h = SCENE_SIZE
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih) * rng.uniform(1.0, 1.8)
    big = cv2.resize(img, (int(np.ceil(iw * s)), int(np.ceil(ih * s))), interpolation=cv2.INTER_LINEAR)
    y = rng.integers(0, big.shape[0] - h + 1)
    x = rng.integers(0, big.shape[1] - w + 1)
    view = big[y : y + h, x : x + w]
    return np.ascontiguousarray(view[:, ::-1] if rng.random() < 0.5 else view)


def _texture(rng: np.random.Generator) -> np.ndarray:
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
