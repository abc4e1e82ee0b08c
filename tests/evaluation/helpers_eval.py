"""Small synthetic eval records for the evaluation tests (no photos, no models)."""

from __future__ import annotations

import numpy as np

from id2face.evaluation.records import PhotoRecord


def photo_record(boxes, emb, detected=None) -> PhotoRecord:
    """One photo's record: its faces' boxes and dlib embeddings, each face detected unless `detected` says."""
    n = len(boxes)
    return PhotoRecord(np.asarray(boxes, np.float64), np.ones(n, bool) if detected is None else
                       np.asarray(detected, bool), np.zeros((n, 478, 3)), np.zeros(n, bool),
                       {"dlib": np.asarray(emb, np.float32)}, np.zeros((n, 4, 4, 3), np.uint8))
