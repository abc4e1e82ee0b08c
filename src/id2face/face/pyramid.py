"""CenterFace on tiles of a large photo at finer scales: a crowd's small faces in a high-resolution photo.

CenterFace looks at a copy of the photo at most 640 px long (DetectorConfig.centerface_max_side): in a
24-megapixel photo that is a ninth of its width, and a crowd's 20-60 px faces become 2-7 px, under what
it sees. MediaPipe's tiles of a copy at most 2,560 px long missed most
of them too (docs/PERFORMANCE.md, "Crowds in large photos"). Here the photo is also looked at in tiles of
640 px, a quarter overlapping, at scales three times finer each, down to the scale at which a face of
DetectorConfig.centerface_fine_min_face px is SEES px: each scale sees the faces the one before saw too
small, and a face up to a quarter of a tile lies whole in some tile. A photo of 960-1,280 px (most photos
on the web) has one such scale, its own pixels: its 14-28 px faces are 7-14 px in the whole look
(docs/PERFORMANCE.md, "Crowds in mid-size photos").
"""

from __future__ import annotations

import numpy as np

from id2face.face.centerface import CenterFace, Detection
from id2face.face.scale import downscaled

STEP = 3.0  # each scale this many times finer than the one before
SEES = 16.0  # face width (px) CenterFace finds in a tile: the finest scale makes the smallest face this wide
MERGE = 1.5  # a finer scale within this factor of the one before replaces it (no near-duplicate look)
# A finer scale keeps only faces under this many times the smallest the scale before it sees: the larger ones
# that scale saw whole, where a tile of the finer one may see half a large face (one eye and a cheek).
KEEP_UNDER = 3.0
# The finest scale's weak peaks (faint candidates) kept: at most this many, the best, each at most FAINT_SIDE
# times SEES wide there. A textured 24-MP photo has ~900 such peaks, and fusing them all cost 2 s, where the
# zoomed looks check only the best few dozen anyway (DetectorConfig.faint_checks, plus one per sure face).
FAINT_KEEP = 64
FAINT_SIDE = 2.5


def fine_scales(width: int, height: int, coarse_side: int, min_face: float, finest_side: int) -> list[float]:
    """The scales (tile pixels per photo pixel) looked at in tiles, coarse to fine: after the whole-photo
    look at `coarse_side`, each STEP times finer, the last the one at which a face `min_face` px wide is
    SEES px (at most the photo's own pixels, or `finest_side` long)."""
    side = max(width, height)
    if side < MERGE * coarse_side:  # the whole look sees such a photo at nearly its own pixels
        return []
    s = min(1.0, coarse_side / side)
    finest = min(1.0, SEES / min_face, finest_side / side)
    scales: list[float] = []
    while s < finest - 1e-9:
        s = min(s * STEP, finest)
        if scales and s / scales[-1] < MERGE:
            scales[-1] = s
        elif s / min(1.0, coarse_side / side) >= MERGE:
            scales.append(s)
    return scales


def tiles(width: int, height: int, size: int) -> list[tuple[int, int, int, int]]:
    """Square tiles (x0, y0, x1, y1) of `size`, a quarter overlapping, covering a width x height frame."""
    if max(width, height) <= size:
        return [(0, 0, width, height)]
    stride = int(size * 0.75)

    def starts(n: int) -> list[int]:
        return [0] if n <= size else [*range(0, n - size, stride), n - size]

    return [(x, y, min(width, x + size), min(height, y + size))
            for y in starts(height) for x in starts(width)]


def _holds(tile: tuple[int, int, int, int], scale: float, boxes: list[np.ndarray]) -> bool:
    """Whether a tile (pixels of the copy at `scale`) holds the centre of one of `boxes` (photo pixels)."""
    x0, y0, x1, y1 = np.array(tile, np.float64) / scale
    return any(x0 <= (b[0] + b[2]) / 2 <= x1 and y0 <= (b[1] + b[3]) / 2 <= y1 for b in boxes)


def centerface_tiles(centerface: CenterFace, image: np.ndarray, threshold: float, coarse_side: int,
                     min_face: float, finest_side: int, size: int = 640,
                     sure: float = 0.1, group: int = 3, seed: float = 0.0,
                     faint: float | None = None) -> list[Detection]:
    """CenterFace's faces in tiles of `image` at fine_scales, in photo pixels (not merged: the detector's
    fusion groups a face seen in two tiles or at two scales).

    A scale after the first is looked at whole only where the ones before found `group` faces (scoring
    `sure`) within twice the smallest they see: faces that small come in groups (a crowd, an audience),
    and a portrait's photo is not tiled finer for nothing (one weak box on a texture opened it too often).
    Otherwise, with `seed` > 0, it is looked at in the tiles that hold a box of the scale before scoring
    `seed` or more within twice the smallest it sees: a crowd of faces too small for that scale still
    leaves a few such traces (a far audience of 20-px faces, which the gate misses), and a portrait's
    smooth photo few. `group` 0 looks at every scale whole.

    With `faint`, the finest scale's weak local peaks over it come back too (scoring under `threshold`):
    faces too small or blurred to score even there, 14-20 px in the photo, which a zoomed look confirms
    (FaceDetector's faint candidates).

    The first tiled scale is looked at whole (for a photo of 960-1,280 px, its only one: the whole look's
    heatmap does not tell a far crowd's 7-14 px faces from a texture, so no gate there).
    """
    h, w = image.shape[:2]
    found: list[Detection] = []
    weak: list[Detection] = []  # the finest scale's faint peaks
    traces: list[np.ndarray] = []  # the scale before's weak boxes near its limit (photo px)
    coarse_seen = SEES * max(w, h) / min(coarse_side, max(w, h))  # photo px: the whole look's smallest face
    smallest_seen = 0.0  # photo px: the face width the tiled scales looked at so far find
    scales = fine_scales(w, h, coarse_side, min_face, finest_side)
    for i, s in enumerate(scales):
        # traces are wanted where a finer scale follows: boxes (or local peaks of the heatmap) over `seed`
        last = i + 1 == len(scales)
        want = seed > 0 and not last
        low = seed if want and seed < threshold else faint if last else None
        near_limit = [d for d in found if d.score >= sure and d.box[2] - d.box[0] < 2 * smallest_seen]
        whole = not group or not smallest_seen or len(near_limit) >= group
        if not whole and not traces:
            break
        keep_under = KEEP_UNDER * (smallest_seen or coarse_seen)
        copy, scale = downscaled(image, max(1, round(max(w, h) * s)))
        seen = SEES / scale  # photo px: the smallest face this scale finds
        looked, traces = traces, []
        for x0, y0, x1, y1 in tiles(copy.shape[1], copy.shape[0], size):
            if not whole and not _holds((x0, y0, x1, y1), scale, looked):
                continue
            for d in centerface(np.ascontiguousarray(copy[y0:y1, x0:x1]), threshold, size, faint=low):
                shift = np.array([x0, y0], np.float64)
                box = (d.box + np.tile(shift, 2)) / scale
                if box[2] - box[0] >= keep_under:
                    continue
                if d.score >= threshold:
                    found.append(Detection(box, d.score, (d.keypoints5 + shift) / scale))
                elif last and faint is not None and d.box[2] - d.box[0] <= FAINT_SIDE * SEES:
                    weak.append(Detection(box, d.score, (d.keypoints5 + shift) / scale))
                if want and d.score >= seed and box[2] - box[0] < 2 * seen:
                    traces.append(box)
        smallest_seen = seen
    return found + sorted(weak, key=lambda d: -d.score)[:FAINT_KEEP]
