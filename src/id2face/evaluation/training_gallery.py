"""Does a fake face look like somebody from the model's training data?

A generative anonymizer must not hand out the face of a real person it was trained on. Given the
prepared training datasets, each training identity becomes a centroid of dlib descriptors of a
few of its crops; an anonymized face "matches a training identity" when its nearest centroid is
within dlib's 0.6. The held-out originals give the baseline rate of chance look-alikes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from id2face.geometry import TEMPLATES


def training_centroids(dirs: list[str], recognizer, per_identity: int = 5, cache: Path | None = None) -> np.ndarray:
    """(I, D) mean raw dlib descriptors of up to `per_identity` crops of each training identity."""
    key = f"{'|'.join(sorted(map(str, dirs)))}:{per_identity}"
    if cache is not None and cache.is_file():
        with np.load(cache) as z:
            if str(z["key"]) == key:
                return z["centroids"]
    from id2face.training.data import FaceDataset

    data = FaceDataset(dirs, "train")
    ids = data.identity.numpy()
    rows = []
    for ident in np.unique(ids):
        idx = np.flatnonzero(ids == ident)[:per_identity]
        crops = data.crops[idx].numpy()
        rows.append(recognizer.embed(crops, TEMPLATES[data.template], data.size, normalize=False).mean(axis=0))
    centroids = np.stack(rows).astype(np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, centroids=centroids, key=key)
    return centroids


def training_identity_figures(probes: np.ndarray, detected: np.ndarray, centroids: np.ndarray,
                              threshold: float = 0.6) -> dict:
    """Rate of detected faces within `threshold` of a training identity, and the mean nearest distance."""
    p = probes[detected.astype(bool)]
    if len(p) == 0 or len(centroids) == 0:
        return {"match_rate": float("nan"), "mean_nearest_distance": float("nan"), "faces": 0}
    nearest = np.linalg.norm(p[:, None, :] - centroids[None], axis=-1).min(axis=1)
    return {"match_rate": float((nearest < threshold).mean()), "mean_nearest_distance": float(nearest.mean()),
            "faces": int(len(p)), "identities": int(len(centroids))}
