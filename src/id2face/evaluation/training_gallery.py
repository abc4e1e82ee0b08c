"""Does a fake face look like somebody from the model's training data?

A generative anonymizer must not hand out the face of a real person it was trained on. Each
training identity becomes a centroid of dlib descriptors of a few of its crops. With hundreds of
identities, some centroid is within dlib's usual 0.6 of almost any face, so a fixed threshold says
nothing; the yardstick is real people the model never saw (the held-out originals): the rate of
fake faces closer to a training identity than 95 % of those people is 5 % by chance, and more
means the model reproduces training faces.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from id2face.geometry import TEMPLATES


def training_centroids(
    dirs: list[str], recognizer, per_identity: int = 5, cache: Path | None = None
) -> np.ndarray:
    """(I, D) mean raw dlib descriptors of up to `per_identity` crops of each training identity."""
    key = f"{'|'.join(sorted(map(str, dirs)))}:{per_identity}"
    if cache is not None and cache.is_file():
        with np.load(cache) as z:
            if str(z["key"]) == key:
                return z["centroids"]
    # here: the training data loader (torch), only with --training-data
    from id2face.training.data import FaceDataset

    data = FaceDataset(dirs, "train")
    ids = data.identity.numpy()
    rows = []
    for ident in np.unique(ids):
        idx = np.flatnonzero(ids == ident)[:per_identity]
        crops = data.crops[idx].numpy()
        rows.append(
            recognizer.embed(crops, TEMPLATES[data.template], data.size, normalize=False).mean(axis=0)
        )
    centroids = np.stack(rows).astype(np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, centroids=centroids, key=key)
    return centroids


def nearest_distances(probes: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.linalg.norm(probes[:, None, :] - centroids[None], axis=-1).min(axis=1)


def unseen_limit(unseen: np.ndarray, percentile: float = 5.0) -> float:
    """The nearest-centroid distance that only `percentile` % of unseen people come closer than: a fake face
    nearer a training identity than this counts against the model (the chance rate is `percentile` %)."""
    return float(np.percentile(unseen, percentile))


def training_identity_figures(probes: np.ndarray, detected: np.ndarray, centroids: np.ndarray,
                              unseen: np.ndarray, percentile: float = 5.0) -> dict:
    """How many detected faces are closer to a training identity than `100 - percentile` % of unseen people.

    unseen: nearest-centroid distances of real faces outside the training data (the yardstick).
    """
    p = probes[detected.astype(bool)]
    if len(p) == 0 or len(centroids) == 0 or len(unseen) == 0:
        return {"closer_than_unseen_rate": float("nan"), "mean_nearest_distance": float("nan"), "faces": 0}
    limit = unseen_limit(unseen, percentile)
    nearest = nearest_distances(p, centroids)
    return {"closer_than_unseen_rate": float((nearest < limit).mean()), "chance_rate": percentile / 100,
            "distance_limit": limit, "mean_nearest_distance": float(nearest.mean()),
            "unseen_mean_nearest_distance": float(unseen.mean()), "faces": int(len(p)),
            "identities": int(len(centroids))}
