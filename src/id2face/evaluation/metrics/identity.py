"""Identity protection: re-identification, verification, similarity, pair AUC.

Scores are "higher = more alike" for every recognizer: cosine similarity, or minus the L2
distance for recognizers (dlib) whose native threshold is a distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def score_matrix(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """(len(a), len(b)) similarity scores."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if metric == "cosine":
        return _unit(a) @ _unit(b).T
    if metric == "l2":
        d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2 * a @ b.T
        return -np.sqrt(np.maximum(d2, 0.0))
    raise ValueError(f"unknown metric {metric!r}")


def pair_scores(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """Row-wise scores between a[i] and b[i]."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if metric == "cosine":
        return (_unit(a) * _unit(b)).sum(1)
    if metric == "l2":
        return -np.linalg.norm(a - b, axis=1)
    raise ValueError(f"unknown metric {metric!r}")


def score_threshold(threshold: float, metric: str) -> float:
    """A recognizer's own threshold (cosine >= t, or distance < t) in score space."""
    return threshold if metric == "cosine" else -threshold


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels, bool)
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv))
    i = 0
    while i < len(allv):  # average ranks over ties
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(allv))
    r[order] = ranks
    u = r[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def best_accuracy_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The score threshold with the highest pair accuracy, and that accuracy."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels, bool)
    cand = np.unique(scores)
    mids = np.concatenate([[cand[0] - 1e-6], (cand[1:] + cand[:-1]) / 2, [cand[-1] + 1e-6]])
    accs = [((scores >= t) == labels).mean() for t in mids]
    k = int(np.argmax(accs))
    return float(mids[k]), float(accs[k])


def top1_hits(gallery: np.ndarray, probes: np.ndarray, detected: np.ndarray, source_index: np.ndarray,
              metric: str) -> np.ndarray:
    """(N,) bool: probe i's nearest gallery face is its own source; faces no longer detected are False."""
    detected = np.asarray(detected, bool)
    source_index = np.asarray(source_index, int)
    hits = np.zeros(len(detected), bool)
    idx = np.flatnonzero(detected)
    if len(idx):
        hits[idx] = score_matrix(probes[idx], gallery, metric).argmax(1) == source_index[idx]
    return hits


@dataclass
class IdentityResult:
    """Identity-protection figures for one method and one recognizer (fractions in [0, 1])."""

    reid_rate: float  # top-1 retrieval of the source among all originals
    verification_rate: float  # anonymized vs source judged "same person" at the threshold
    mean_similarity: float  # cosine similarity to the source, over detected faces
    detection_rate: float  # anonymized faces the recognizer's detector still found
    n_faces: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def identity_protection(
    gallery: np.ndarray,
    probes: np.ndarray,
    detected: np.ndarray,
    source_index: np.ndarray,
    metric: str,
    threshold: float,
) -> IdentityResult:
    """Measure how well anonymized probes hide their sources.

    gallery: (G, D) embeddings of all original faces. probes: (N, D) embeddings of anonymized faces
    (rows of undetected faces are ignored). detected: (N,) bool. source_index: (N,) gallery row of
    each probe's source. A face no longer detected counts as neither re-identified nor verified.
    """
    detected = np.asarray(detected, bool)
    source_index = np.asarray(source_index, int)
    n = len(detected)
    if n == 0:
        return IdentityResult(float("nan"), float("nan"), float("nan"), float("nan"), 0)
    reid = top1_hits(gallery, probes, detected, source_index, metric)
    verified = np.zeros(n, bool)
    cos = np.full(n, np.nan)
    idx = np.flatnonzero(detected)
    if len(idx):
        s = score_matrix(probes[idx], gallery, metric)
        own = s[np.arange(len(idx)), source_index[idx]]
        verified[idx] = own >= score_threshold(threshold, metric)
        cos[idx] = pair_scores(probes[idx], gallery[source_index[idx]], "cosine")
    return IdentityResult(
        reid_rate=float(reid.mean()),
        verification_rate=float(verified.mean()),
        mean_similarity=float(np.nanmean(cos)) if len(idx) else float("nan"),
        detection_rate=float(detected.mean()),
        n_faces=n,
    )
