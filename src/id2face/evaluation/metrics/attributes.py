"""Does the new face look like the same kind of person: the gender and age that faceres reads.

A fake identity should be someone else, not something else: a man's face on a woman's hair, neck and body
(or a grandfather's on a teenager's) is what a viewer notices first. faceres (held out from training) has two
small heads beside its embedding, p(male) and an age softmax; the runner keeps both per face
(`ATTRIBUTES`), for the originals and for every result face still detected.
"""

from __future__ import annotations

import numpy as np

ATTRIBUTES = "faceres_attributes"  # PhotoRecord.embeddings key: (F, 2) [p(male), age in years]


def attribute_figures(original: np.ndarray, result: np.ndarray, detected: np.ndarray) -> dict[str, float]:
    """gender_kept: share of the faces still detected that faceres judges the same gender as their original
    (p(male) on the same side of 0.5); age_change_years: the median absolute change of the judged age."""
    o, r = np.asarray(original, np.float64).reshape(-1, 2), np.asarray(result, np.float64).reshape(-1, 2)
    ok = np.asarray(detected, bool) & np.isfinite(o).all(1) & np.isfinite(r).all(1)
    if not ok.any():
        return {"gender_kept": float("nan"), "age_change_years": float("nan")}
    same = (o[ok, 0] > 0.5) == (r[ok, 0] > 0.5)
    change = np.abs(o[ok, 1] - r[ok, 1])
    return {"gender_kept": float(same.mean()), "age_change_years": float(np.median(change))}
