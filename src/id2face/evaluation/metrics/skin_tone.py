"""Does the new face keep the skin tone and light of the face it replaces: CIE L* on the cheeks.

A fake identity may be anyone, but a light face on a dark neck and hands (or a lit face in a shadow) is what
a viewer notices after gender. Each face's lightness is the median CIE L* (0 black, 100 white) at its face
mesh's cheek vertices, read in the runner's face crops (the same window on the original and the result), the
original's from the original's mesh and the result's from the mesh found on the result. Lighting is part of
it on purpose: a face must keep the light of its photo too.
"""

from __future__ import annotations

import numpy as np

from id2face.face.skin import cheek_lightness
from id2face.identity.faceres import square_crop_box

DARKEST_SHARE = 0.2  # the darkest fifth of the original faces is reported apart


def window_lightness(crop: np.ndarray, mesh: np.ndarray, box: np.ndarray) -> float:
    """face/skin.cheek_lightness of a runner crop (face_crops of `box`); `mesh` in photo pixels."""
    x0, y0, x1, _ = square_crop_box(box)
    return cheek_lightness(crop, (np.asarray(mesh, np.float64)[:, :2] - [x0, y0]) * crop.shape[0] / (x1 - x0))


def skin_tone_figures(original: np.ndarray, result: np.ndarray) -> dict[str, float]:
    """From each face's L* on the original and on the result (NaN: not measured, e.g. no longer detected):
    skin_tone_change: median |change| of L*; darkest_fifth_before / _after: mean L* of the darkest fifth
    of the measured originals and of their results (a model that lightens dark skin shows there)."""
    o, r = np.asarray(original, np.float64), np.asarray(result, np.float64)
    ok = np.isfinite(o) & np.isfinite(r)
    nan = float("nan")
    if not ok.any():
        return {"skin_tone_change": nan, "darkest_fifth_before": nan, "darkest_fifth_after": nan,
                "skin_tone_faces": 0}
    o, r = o[ok], r[ok]
    dark = np.argsort(o, kind="stable")[: max(1, int(round(DARKEST_SHARE * len(o))))]
    return {"skin_tone_change": float(np.median(np.abs(r - o))),
            "darkest_fifth_before": float(o[dark].mean()), "darkest_fifth_after": float(r[dark].mean()),
            "skin_tone_faces": int(ok.sum())}
