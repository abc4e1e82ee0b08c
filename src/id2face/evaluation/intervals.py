"""How sure a rate is: 95 % intervals of the re-identification and detection rates.

A target reads "≤ 2 %" and a bucket of 126 faces seen with 2 seeds moves by 0.4 % with each face. Whether
2.8 % misses the target or only the draw of photos is a question the point figure cannot answer. Two
sources of doubt, and the interval covers both:
- the faces of one photo (same light, same camera) and the seeds of one face are not independent draws, so
  the photos are resampled, whole (a cluster bootstrap, percentile interval);
- a bootstrap of a rate seen as 0 is [0, 0], which says nothing about "0 of 89". So the interval is widened
  to the Wilson score interval over the faces (each face's hits averaged over its seeds), which is wide when
  few faces were seen and never collapses to a point.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from id2face.evaluation.reid_by_size import SIZE_BUCKETS, face_widths, hits_per_seed, size_bucket

if TYPE_CHECKING:
    from id2face.evaluation.records import PhotoRecord
    from id2face.identity.verify import Verifier

DRAWS = 2000
LEVEL = 0.95


def photo_of_face(originals: list[PhotoRecord]) -> np.ndarray:
    """(F,) the index of each gallery face's photo."""
    return np.repeat(np.arange(len(originals)), [len(o.boxes) for o in originals]).astype(np.int64)


def wilson(successes: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a rate (successes may be fractional: hits averaged over seeds)."""
    if n <= 0:
        return float("nan"), float("nan")
    z = _z(level)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _z(level: float) -> float:
    """The two-sided normal quantile, by bisection on erf (no scipy here)."""
    lo, hi = 0.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erf(mid / math.sqrt(2)) < level else (lo, mid)
    return (lo + hi) / 2


def _faces_by_seeds(flags: np.ndarray) -> np.ndarray:
    """(F, S) floats from (F, S) or (F,) flags (one seed)."""
    flags = np.asarray(flags, np.float64)
    return flags[:, None] if flags.ndim == 1 else flags


def photo_bootstrap(flags: np.ndarray, photos: np.ndarray, draws: int = DRAWS, level: float = LEVEL,
                    seed: int = 0) -> tuple[float, float]:
    """Percentile interval of the mean of `flags` (F, S) when whole photos are drawn again, with
    replacement."""
    flags = _faces_by_seeds(flags)
    if flags.size == 0:
        return float("nan"), float("nan")
    ids, index = np.unique(np.asarray(photos), return_inverse=True)
    hits = np.bincount(index, flags.sum(1), minlength=len(ids))
    counts = np.bincount(index, minlength=len(ids)) * flags.shape[1]
    weights = _photo_draws(len(ids), draws, seed)
    return _percentiles((weights @ hits) / (weights @ counts), level)  # a draw holds a photo, hence a face


def paired_photo_bootstrap(a: np.ndarray, b: np.ndarray, photos: np.ndarray, draws: int = DRAWS,
                           level: float = LEVEL, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of mean(b) - mean(a), per-face values of two runs on the same faces: the photos are
    drawn again whole, the same draw for both runs (most faces fare alike in both, so this is far narrower
    than either rate's own interval)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.size == 0:
        return float("nan"), float("nan")
    ids, index = np.unique(np.asarray(photos), return_inverse=True)
    change = np.bincount(index, b - a, minlength=len(ids))
    counts = np.bincount(index, minlength=len(ids))
    weights = _photo_draws(len(ids), draws, seed)
    return _percentiles((weights @ change) / (weights @ counts), level)


def _photo_draws(photos: int, draws: int, seed: int) -> np.ndarray:
    """(draws, photos) how often each photo is drawn in each bootstrap sample."""
    return np.random.default_rng(seed).multinomial(photos, np.full(photos, 1 / photos), size=draws)


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = 100 * (1 - level) / 2
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def rate_interval(flags: np.ndarray, photos: np.ndarray, level: float = LEVEL) -> list[float]:
    """[low, high]: the photo bootstrap's interval widened to the Wilson interval over the faces."""
    flags = _faces_by_seeds(flags)
    if flags.size == 0:
        return [float("nan"), float("nan")]
    b_lo, b_hi = photo_bootstrap(flags, photos, level=level)
    w_lo, w_hi = wilson(float(flags.mean(1).sum()), len(flags), level)
    return [min(b_lo, w_lo), max(b_hi, w_hi)]


def rate_intervals(originals: list[PhotoRecord], runs: dict[int, list[PhotoRecord]],
                   recognizers: list[Verifier]) -> dict:
    """{"detected": [lo, hi], recognizer: {"all": [lo, hi], bucket label: [lo, hi]}} of one variant, every
    seed pooled (the rates of the report are their means over the seeds)."""
    photos = photo_of_face(originals)
    seeds = sorted(runs)
    detected = np.stack([np.concatenate([x.detected for x in runs[s]]).astype(bool) for s in seeds], 1) \
        if len(photos) else np.zeros((0, len(seeds)), bool)
    out: dict = {"level": LEVEL, "detected": rate_interval(detected, photos)}
    which = size_bucket(face_widths(originals))
    for r in recognizers:
        hits = np.stack(hits_per_seed(originals, runs, r), 1) if len(photos) else np.zeros((0, len(seeds)))
        per = {"all": rate_interval(hits, photos)}
        for k, (label, _, _) in enumerate(SIZE_BUCKETS):
            sel = which == k
            per[label] = rate_interval(hits[sel], photos[sel])
        out[r.name] = per
    return out


def _cell(interval: list[float] | None) -> str:
    if not interval or any(x is None or not math.isfinite(x) for x in interval):
        return "–"
    return f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f} %"


def interval_table(report: dict) -> tuple[str, list[str], list[list[str]]] | None:
    """(title, header, rows) of every variant's intervals; None when the report has none."""
    methods = {n: m["intervals"] for n, m in report.get("methods", {}).items() if m.get("intervals")}
    if not methods:
        return None
    recs = report["config"]["recognizers"]
    labels = ["all"] + [label for label, _, _ in SIZE_BUCKETS]
    head = ["method"] + [f"{r} re-id {label}" for r in recs for label in labels] + ["faces detected"]
    rows = [[n] + [_cell(iv.get(r, {}).get(label)) for r in recs for label in labels]
            + [_cell(iv.get("detected"))] for n, iv in methods.items()]
    level = next(iter(methods.values())).get("level", LEVEL)
    return (f"How sure the rates are: {100 * level:g} % intervals (photos resampled whole, widened to the "
            "Wilson interval over the faces)", head, rows)
