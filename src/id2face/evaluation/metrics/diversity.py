"""Diversity: how different the fake identities are when only the seed changes."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from id2face.evaluation.metrics.identity import pair_scores


def pairwise_identity_distances(embeddings: np.ndarray, metric: str) -> np.ndarray:
    """All pairwise distances between one face's anonymizations over seeds: (S, D) -> (S(S-1)/2,).

    Distance is 1 - cosine for cosine recognizers and L2 for l2 ones (so 0 = same identity).
    """
    e = np.asarray(embeddings, np.float64)
    if len(e) < 2:
        return np.zeros(0)
    i, j = np.array(list(combinations(range(len(e)), 2))).T
    s = pair_scores(e[i], e[j], metric)
    return 1.0 - s if metric == "cosine" else -s
