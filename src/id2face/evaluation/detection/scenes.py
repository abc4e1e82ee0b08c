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
from pathlib import Path

import cv2
import numpy as np

from id2face.evaluation.detection.backdrops import (
    SCENE_SIZE,
    SKIMAGE_FACE_FREE,
    Scene,
    SourceFace,
    background,
    paste_head,
    random_view,
    skimage_pool,
    texture,
)
from id2face.evaluation.detection.beside import BESIDE, compose_beside
from id2face.evaluation.detection.large import LARGE, MID, MID_FACES, MID_SIZE, in_large_photo
from id2face.face.landmarks import FACE_OVAL

__all__ = ["BESIDE", "CATEGORIES", "LARGE", "SCENE_SIZE", "SKIMAGE_FACE_FREE", "Scene", "SourceFace",
           "background", "compose", "face_free_images", "face_free_mosaics", "find_sources", "paste_head",
           "scenes"]

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
    BESIDE,
    LARGE,
    "cut deep 50-70 %",
    MID,
)
CROWD = "crowd 8-24 faces"
CUT = (0.25, 0.5)  # the share of the face past the edge in the "cut left/right/top/bottom" categories
CUT_DEEP = (0.5, 0.7)  # ... and in "cut deep" (its edge drawn at random): an eye, or the chin, is left
PRINTED = "printed in dots"
PRINT_PERIOD = (3.0, 6.0)  # a halftone's period in pixels: a newspaper's screen scanned at 1-2x its lines
CROWD_FACES = (8, 24)  # faces in a crowd scene
CROWD_SIZE = (20, 56)  # the group's typical face width (each face 0.8-1.25x of it)
CROWD_SPACING = 1.5  # centres at least this many face widths apart, so no pasted head covers a face
CROWD_REACH = 0.7  # a crowd head's pasted ellipse, relative to its face box (one face: 0.95)
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


MOSAIC_SIZES = ((1280, 960), (4032, 3024))  # face-free mosaics: a mid-size photo and a 12-MP one, in turn


def face_free_mosaics(count: int, seed: int = 0) -> list[np.ndarray]:
    """Large face-free images: face_free_images at their own pixels side by side, MOSAIC_SIZES in turn. The
    front-end looks at such photos in tiles of finer scales too (face/pyramid.py), and the fine detail of
    real large photos is what a tile's false alarm comes from; an enlarged image would be too smooth."""
    sw, sh = SCENE_SIZE
    out = []
    for i in range(count):
        w, h = MOSAIC_SIZES[i % len(MOSAIC_SIZES)]
        cols, rows = -(-w // sw), -(-h // sh)
        parts = face_free_images(cols * rows, seed=seed * 1000 + 7 + i)
        grid = np.vstack([np.hstack(parts[r * cols:(r + 1) * cols]) for r in range(rows)])
        out.append(np.ascontiguousarray(grid[:h, :w]))
    return out


def face_free_images(count: int, seed: int = 0) -> list[np.ndarray]:
    """Scene-size images without faces: public sample images (crops, scales, flips) and textures."""
    rng = np.random.default_rng(seed)
    pool = skimage_pool()
    out = []
    for i in range(count):
        if i % 3 == 2 or not pool:
            out.append(texture(rng))
        else:
            out.append(random_view(pool[rng.integers(len(pool))], rng))
    return out


def compose(sources: list[SourceFace], category: str, rng: np.random.Generator) -> Scene:
    """One scene of `category` with one face from `sources` (a crowd: many)."""
    if category == CROWD:
        return compose_crowd(sources, rng)
    if category == BESIDE:
        return compose_beside(sources, rng)
    if category == LARGE:
        return in_large_photo(compose_crowd(sources, rng), rng)
    if category == MID:
        return in_large_photo(compose_crowd(sources, rng, MID_FACES), rng, MID_SIZE, MID)
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
    m = src.warp_to(centre, angle, scale)
    paste_head(scene, src, m)
    box = src.outline_box(m)
    if category == "half covered":
        _cover(scene, box, rng)
    elif category == "defocused":
        sigma = rng.uniform(0.03, 0.06) * size + 1.0
        scene = cv2.GaussianBlur(scene, (0, 0), sigma)
    elif category == "dark":
        gain = rng.uniform(0.1, 0.25)
        noise = rng.normal(0, rng.uniform(1.5, 3.0), scene.shape)
        scene = np.clip(scene.astype(np.float64) * gain + noise, 0, 255).astype(np.uint8)
    elif category == PRINTED:
        scene = _printed(scene, rng)
    return Scene(scene, category, np.clip(box, 0, [w, h, w, h])[None, :], src.path.name)


def compose_crowd(sources: list[SourceFace], rng: np.random.Generator,
                  sizes: tuple[float, float] = CROWD_SIZE) -> Scene:
    """A group photo: 8-24 faces of about one size (drawn from `sizes`), upright, spaced so none is covered
    by another head, drawn back to front; every face is ground truth."""
    w, h = SCENE_SIZE
    scene = background(rng)
    want = int(rng.integers(CROWD_FACES[0], CROWD_FACES[1] + 1))
    typical = float(np.exp(rng.uniform(np.log(sizes[0]), np.log(sizes[1]))))
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
        heads.append((centre, size, src, src.warp_to(centre, 0.0, size / sw)))
    boxes = [src.outline_box(m) for _, _, src, m in heads]
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
    """Where the face centre goes: inside the frame, or with CUT (CUT_DEEP) of the face past an edge."""
    w, h = SCENE_SIZE
    if category.startswith("cut"):
        deep = category.startswith("cut deep")
        edge = str(rng.choice(["left", "right", "top", "bottom"])) if deep else category.split()[1]
        cut = rng.uniform(*(CUT_DEEP if deep else CUT))
        if edge in ("left", "right"):
            x = fw * (0.5 - cut)
            return np.array([x if edge == "left" else w - x, rng.uniform(fh / 2, max(fh / 2, h - fh / 2))])
        y = fh * (0.5 - cut)
        return np.array([rng.uniform(fw / 2, max(fw / 2, w - fw / 2)), y if edge == "top" else h - y])
    r = 0.5 * max(fw, fh) * (1.5 if category.startswith("turned") else 1.0)
    return np.array(
        [rng.uniform(min(r, w / 2), max(w - r, w / 2)), rng.uniform(min(r, h / 2), max(h - r, h / 2))]
    )


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


def _cover(scene: np.ndarray, box: np.ndarray, rng: np.random.Generator) -> None:
    """Hide 30-50 % of the face (its outline `box`): the lower part (a scarf), one side (another head) or
    the eyes' band."""
    x0, y0, x1, y1 = box
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
