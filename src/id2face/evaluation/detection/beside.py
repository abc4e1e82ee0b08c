"""Scenes with one face upright and another lying at 90, 180 or 270 degrees beside it.

People lying on a lawn or a bed, a group seen from above with heads together, a child held upside
down: the photo has upright faces, so it is not a photo taken sideways, and a detector trained on
upright faces sees only those. Both faces are ground truth.
"""

from __future__ import annotations

import numpy as np

from id2face.evaluation.detection.backdrops import SCENE_SIZE, Scene, SourceFace, background, paste_head

BESIDE = "upright and turned"  # its category in the bench (scenes.CATEGORIES)

SIZE = (48, 140)  # face width in scene pixels, each face drawn on a log scale
TILT = 10.0  # degrees either way around upright and around the turn
HEAD_REACH = 1.0  # a pasted head's radius in face widths (its ellipse reaches 0.95 of the box)


def compose_beside(sources: list[SourceFace], rng: np.random.Generator) -> Scene:
    """One scene of BESIDE: an upright face and a turned one, their heads apart."""
    w, h = SCENE_SIZE
    scene = background(rng)
    turn = float(rng.choice([90, 180, 270]))
    heads = []
    for angle in (rng.uniform(-TILT, TILT), turn + rng.uniform(-TILT, TILT)):
        src = sources[rng.integers(len(sources))]
        b = src.box
        sw, sh = b[2] - b[0], b[3] - b[1]
        size = float(np.exp(rng.uniform(np.log(SIZE[0]), np.log(SIZE[1]))))
        r = HEAD_REACH * size * max(1.0, sh / sw)
        heads.append((src, angle, size / sw, r))
    ra, rb = heads[0][3], heads[1][3]
    centres = _apart(ra, rb, rng)
    boxes = []
    for (src, angle, scale, _), centre in zip(heads, centres, strict=True):
        m = src.warp_to(centre, angle, scale)
        paste_head(scene, src, m)
        boxes.append(src.outline_box(m))
    return Scene(scene, BESIDE, np.clip(np.array(boxes), 0, [w, h, w, h]), f"turned {turn:.0f}")


def _apart(ra: float, rb: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two head centres inside the frame whose heads (radii `ra`, `rb`) do not overlap; where the frame
    has no room for both, side by side at its middle height."""
    w, h = SCENE_SIZE

    def inside(r: float) -> np.ndarray:
        x = rng.uniform(min(r, w / 2), max(w - r, w / 2))
        return np.array([x, rng.uniform(min(r, h / 2), max(h - r, h / 2))])

    for _ in range(200):
        a, b = inside(ra), inside(rb)
        if np.hypot(*(a - b)) >= ra + rb:
            return a, b
    return np.array([ra, h / 2]), np.array([min(w - rb, 2 * ra + rb), h / 2])
