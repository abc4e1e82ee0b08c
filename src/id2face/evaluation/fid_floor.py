"""FID floor: the FID between two disjoint halves of the original face crops of the evaluated photos.

With a few hundred crops, FID (2048-D Inception features) is far from 0 even between two sets of real
faces: that is the floor a method's FID is read against. The crops are split deterministically (even
and odd positions of a permutation drawn with SPLIT_SEED), so a rerun gives the same halves.

Two comparisons with a method are reported:
- fid / floor: the method's FID (all its crops vs all original crops, as before) over the floor. The
  two sets there are the same faces, twice as many per side as the floor's halves, so a method that
  keeps most of each crop can get below 1.
- fid_half: real half A vs the method's crops of the faces of half B: the floor's sample sizes and
  different faces on each side, like the floor, so fid_half / floor is the like-for-like ratio.
"""

from __future__ import annotations

import math

import numpy as np

SPLIT_SEED = 0
BASELINE = "pixelate"  # the method every FID is also divided by, when it was run


def split_halves(n: int, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint, sorted index sets covering range(n): even and odd positions of a seeded permutation."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[0::2]), np.sort(order[1::2])


def _fid(f1: np.ndarray, f2: np.ndarray) -> float:
    if min(len(f1), len(f2)) < 2:  # no covariance from one sample
        return float("nan")
    # here: scipy (and torch, through the module), only when FID is measured
    from id2face.evaluation.metrics.fid import frechet_distance

    return frechet_distance(f1, f2)


def fid_floor(real_features: np.ndarray, seed: int = SPLIT_SEED) -> dict:
    """FID between the two halves of the original crops' features (rows = crops), and the halves' sizes."""
    real_features = np.asarray(real_features, np.float64)
    a, b = split_halves(len(real_features), seed)
    return {
        "fid": _fid(real_features[a], real_features[b]),
        "half_a": len(a),
        "half_b": len(b),
        "crops": len(real_features),
        "split_seed": seed,
        "split": "even/odd positions of a seeded permutation of the original crops",
    }


def half_fid(real_features: np.ndarray, fake_features: np.ndarray, seed: int = SPLIT_SEED) -> float:
    """FID of real half A against a method's crops of the faces of half B (same split as the floor)."""
    if len(real_features) != len(fake_features):
        raise ValueError(f"{len(real_features)} original crops but {len(fake_features)} anonymized ones")
    a, b = split_halves(len(real_features), seed)
    return _fid(np.asarray(real_features, np.float64)[a], np.asarray(fake_features, np.float64)[b])


def _ratio(x, y) -> float:
    if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)) or y <= 0:
        return float("nan")
    return float(x) / float(y)


def add_fid_ratios(methods: dict[str, dict], floor: float, baseline: str = BASELINE) -> None:
    """Each method's quality gets fid_over_floor, fid_half_over_floor and fid_over_<baseline> (in place).

    NaN where a number is missing (FID off, the reference, or the baseline not run).
    """
    base = methods.get(baseline, {}).get("quality", {}).get("fid")
    for m in methods.values():
        q = m.get("quality")
        if q is None:
            continue
        q["fid_over_floor"] = _ratio(q.get("fid"), floor)
        q["fid_half_over_floor"] = _ratio(q.get("fid_half"), floor)
        q[f"fid_over_{baseline}"] = _ratio(q.get("fid"), base)
