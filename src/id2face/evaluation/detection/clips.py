"""Short clips for the video recall bench: a face that walks in, moves fast (in dim light too), passes behind
something, turns, is small in a compressed stream, or fades to dark, made of the photo bench's parts (a
source face pasted on a backdrop) frame by frame, with where the face is in every frame and whether it is to
be anonymized there.

A video's privacy fails on one frame: a face left for a frame is seen when the video is paused. The bench
counts each face-frame, and each face left in at least one frame of its clip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from id2face.evaluation.detection.backdrops import SCENE_SIZE, SourceFace, background, paste_head

FRAMES = 24  # about a second of video
KINDS = (
    "walking in from an edge",
    "fast (motion blur)",
    "fast in dim light (1/30 s)",
    "passing behind something",
    "turning 45-75°",
    "small, compressed stream",
    "fading to dark and back",
)
VISIBLE = 0.4  # a face is to be anonymized in a frame where this share of its box is in view


@dataclass
class Clip:
    kind: str
    frames: list[np.ndarray]  # RGB, SCENE_SIZE
    boxes: np.ndarray  # (T, 4) the face's box in each frame, clipped to the frame
    present: np.ndarray  # (T,) whether the face is to be anonymized in that frame (in view enough)
    source: str = ""


def compose_clip(sources: list[SourceFace], kind: str, rng: np.random.Generator) -> Clip:
    """One clip of `kind` with one face from `sources`."""
    w, h = SCENE_SIZE
    src = sources[rng.integers(len(sources))]
    b = src.box
    sw, sh = b[2] - b[0], b[3] - b[1]
    size = float(rng.uniform(22, 32) if kind.startswith("small") else rng.uniform(50, 130))
    fh = size * sh / sw
    t = np.linspace(0.0, 1.0, FRAMES)
    start = np.array([rng.uniform(size, w - size), rng.uniform(fh, h - fh)])
    drift = rng.normal(0, 1.5, 2) * FRAMES  # a slow walk or a camera's drift
    angles = np.zeros(FRAMES)
    if kind.startswith("walking"):
        side = rng.choice([-1, 1])  # from the left or the right edge, 60 % of the face outside at first
        start[0] = -0.1 * size if side < 0 else w + 0.1 * size
        drift = np.array([-side * rng.uniform(1.5, 3.0) * size, rng.normal(0, 10)])
    elif kind.startswith("fast"):
        drift = rng.choice([-1, 1]) * np.array([rng.uniform(15, 30), rng.normal(0, 4)]) * FRAMES
        start[0] = w / 2 - drift[0] / 2
    elif kind.startswith("turning"):
        angles = t * rng.choice([-1, 1]) * rng.uniform(45, 75)
    centres = start + t[:, None] * drift
    centres[:, 1] = np.clip(centres[:, 1], fh / 2, h - fh / 2)
    backdrop = background(rng)
    blocker = _blocker(rng, size, fh, centres) if kind.startswith("passing") else None
    quality = int(rng.integers(20, 40))
    boxes, present, frames = [], [], []
    for k in range(FRAMES):
        frame = backdrop.copy()
        m = src.warp_to(centres[k], float(angles[k]), size / sw)
        paste_head(frame, src, m)
        box = src.outline_box(m)
        hidden = 0.0
        if blocker is not None:
            hidden = _cover(frame, blocker(k), box)
        frame = _effects(frame, kind, k, drift, quality, rng)
        clipped = np.clip(box, 0, [w, h, w, h])
        inside = _area(clipped) / max(_area(box), 1e-9)
        boxes.append(clipped)
        present.append(inside * (1 - hidden) >= VISIBLE)
        frames.append(frame)
    return Clip(kind, frames, np.array(boxes), np.array(present), src.path.name)


def clips(sources: list[SourceFace], per_kind: int, seed: int = 0,
          kinds: tuple[str, ...] = KINDS) -> Iterator[Clip]:
    """`per_kind` clips of each kind; a kind's clips depend only on the seed and its place in KINDS."""
    for kind in kinds:
        rng = np.random.default_rng([seed, 1000 + KINDS.index(kind)])
        for _ in range(per_kind):
            yield compose_clip(sources, kind, rng)


def _area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def _blocker(rng: np.random.Generator, size: float, fh: float, centres: np.ndarray):
    """frame -> the box of a post, a door or a passer-by's back sliding across the face's path: 1.2-2
    faces wide, it hides the face whole in the clip's middle frames."""
    width = size * rng.uniform(1.2, 2.0)
    side = rng.choice([-1, 1])
    x0, x1 = centres[0, 0] - side * 2.5 * size, centres[-1, 0] + side * 2.5 * size
    colour = rng.integers(0, 255, 3)

    def at(k: int) -> tuple[np.ndarray, np.ndarray]:
        x = x0 + (x1 - x0) * k / (FRAMES - 1)
        cy = centres[k, 1]
        return np.array([x - width / 2, cy - 1.5 * fh, x + width / 2, cy + 1.5 * fh]), colour

    return at


def _cover(frame: np.ndarray, blocker: tuple[np.ndarray, np.ndarray], face: np.ndarray) -> float:
    """Paint the blocker over the frame; the share of the face's box it hides."""
    (x0, y0, x1, y1), colour = blocker
    h, w = frame.shape[:2]
    xa, xb = (int(np.clip(v, 0, w)) for v in (x0, x1))  # (a blocker wholly past an edge paints nothing)
    ya, yb = (int(np.clip(v, 0, h)) for v in (y0, y1))
    frame[ya:yb, xa:xb] = colour
    inter = np.array([max(x0, face[0]), max(y0, face[1]), min(x1, face[2]), min(y1, face[3])])
    return _area(inter) / max(_area(face), 1e-9)


def _effects(frame: np.ndarray, kind: str, k: int, drift: np.ndarray, quality: int,
             rng: np.random.Generator) -> np.ndarray:
    """What the camera does to frame `k`: motion blur along the face's path (a 180° shutter: half the
    frame-to-frame move; in dim light the shutter stays open the whole frame, 1/30 s, and the picture is
    darker and noisier), a stream's compression, a light going down and up again (with sensor noise)."""
    if kind.startswith("fast"):
        dim = "dim" in kind
        step = drift / FRAMES
        length = max(3, int((1.0 if dim else 0.5) * np.hypot(*step)))
        kernel = np.zeros((length, length), np.float32)
        c = (length - 1) / 2
        d = step / max(np.hypot(*step), 1e-9)
        cv2.line(kernel, (int(round(c - d[0] * c)), int(round(c - d[1] * c))),
                 (int(round(c + d[0] * c)), int(round(c + d[1] * c))), 1.0, 1)
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
        if dim:
            frame = np.clip(frame * 0.5 + rng.normal(0, 3.0, frame.shape), 0, 255).astype(np.uint8)
        return frame
    if kind.startswith("small"):
        ok, enc = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(enc, cv2.IMREAD_UNCHANGED) if ok else frame
    if kind.startswith("fading"):
        gain = 1.0 - 0.9 * np.sin(np.pi * k / (FRAMES - 1))
        noise = rng.normal(0, 2.0, frame.shape)
        return np.clip(frame.astype(np.float64) * gain + noise, 0, 255).astype(np.uint8)
    return frame
