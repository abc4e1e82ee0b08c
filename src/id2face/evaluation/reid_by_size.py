"""Re-identification by face size: top-1 re-identification per recognizer, in face-width buckets.

Face width = the width (x1 - x0) of the detector's box of the face in the original photo, in photo
pixels: PhotoRecord.boxes of the originals, the box the crops are cut around and that the face on the
result is matched to. A face no longer detected after anonymization counts as not re-identified, as
in the overall rate, so the buckets' rates weighted by their n give the overall rate back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from id2face.evaluation.metrics.identity import top1_hits

if TYPE_CHECKING:
    from id2face.evaluation.records import PhotoRecord
    from id2face.identity.verify import Verifier

# (label, lowest width, first width above): a face w px wide is in the bucket with lo <= w < hi.
SIZE_BUCKETS = (("<100 px", 0.0, 100.0), ("100-200 px", 100.0, 200.0), (">=200 px", 200.0, float("inf")))
MIN_FACES = 20  # a bucket with fewer faces is reported, marked `few`


def face_widths(originals: list[PhotoRecord]) -> np.ndarray:
    """(F,) box widths in photo pixels of every original face, in the order of the gallery."""
    boxes = [np.asarray(o.boxes, np.float64).reshape(-1, 4) for o in originals]
    b = np.concatenate(boxes) if boxes else np.zeros((0, 4))
    return b[:, 2] - b[:, 0]


def size_bucket(widths: np.ndarray) -> np.ndarray:
    """Index into SIZE_BUCKETS of each width (100 px exactly is in 100-200, 200 px in >=200)."""
    edges = [lo for _, lo, _ in SIZE_BUCKETS[1:]]
    return np.searchsorted(edges, np.asarray(widths, np.float64), side="right")


def bucket_rates(hits_per_seed: list[np.ndarray], widths: np.ndarray) -> dict[str, dict]:
    """Per bucket: re-id rate (mean over seeds, std when more than one), n faces, and `few` (n < 20)."""
    which = size_bucket(widths)
    out = {}
    for k, (label, lo, hi) in enumerate(SIZE_BUCKETS):
        sel = which == k
        n = int(sel.sum())
        rates = [float(np.asarray(h, bool)[sel].mean()) if n else float("nan") for h in hits_per_seed]
        out[label] = {
            "reid_rate": float(np.mean(rates)) if rates else float("nan"),
            "n": n,
            "few": n < MIN_FACES,
            "min_px": lo,
            "max_px": hi if np.isfinite(hi) else None,
        }
        if len(rates) > 1:
            out[label]["reid_rate_std"] = float(np.std(rates))
    return out


def identity_by_size(originals: list[PhotoRecord], runs: dict[int, list[PhotoRecord]],
                     recognizers: list[Verifier]) -> dict[str, dict[str, dict]]:
    """recognizer -> bucket -> figures, over every seed of one variant (the gallery: all original faces)."""
    widths = face_widths(originals)
    return {r.name: bucket_rates(hits_per_seed(originals, runs, r), widths) for r in recognizers}


def hits_per_seed(originals: list[PhotoRecord], runs: dict[int, list[PhotoRecord]], recognizer: Verifier,
                  ) -> list[np.ndarray]:
    """One (F,) top-1 hit flag per face for each seed in order (the gallery: all original faces)."""
    gallery = np.concatenate([o.embeddings[recognizer.name] for o in originals])
    hits = []
    for seed in sorted(runs):
        probes = np.concatenate([x.embeddings[recognizer.name] for x in runs[seed]])
        detected = np.concatenate([x.detected for x in runs[seed]]).astype(bool)
        hits.append(top1_hits(gallery, probes, detected, np.arange(len(gallery)), recognizer.metric))
    return hits
