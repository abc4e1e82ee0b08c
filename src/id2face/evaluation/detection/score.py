"""Match detections to known faces, and tally recall and false alarms by category."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from id2face.face.fuse import overlap


def _centre_inside(box: np.ndarray, other: np.ndarray) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return bool(other[0] <= cx <= other[2] and other[1] <= cy <= other[3])


def matches(truth: np.ndarray, found: np.ndarray, frame: tuple[int, int], iou: float = 0.3) -> int:
    """How many true boxes a detection covers (see `matched`)."""
    return int(matched(truth, found, frame, iou).sum())


def matched(truth: np.ndarray, found: np.ndarray, frame: tuple[int, int], iou: float = 0.3) -> np.ndarray:
    """(N,) whether each true box is covered by a detection, each detection covering one at most: IoU >=
    `iou`, or each box's centre inside the other (detectors draw faces with different margins). Both are
    clipped to the frame first."""
    w, h = frame
    lim = np.array([w, h, w, h], np.float64)
    found = [np.clip(np.asarray(b, np.float64), 0, lim) for b in found]
    used: set[int] = set()
    hit = np.zeros(len(truth), bool)
    for i, t in enumerate(np.clip(np.asarray(truth, np.float64).reshape(-1, 4), 0, lim)):
        best, best_j = -1.0, -1
        for j, d in enumerate(found):
            if j in used:
                continue
            o = overlap(t, d)[0]
            if (o >= iou or (_centre_inside(t, d) and _centre_inside(d, t))) and o > best:
                best, best_j = o, j
        if best_j >= 0:
            used.add(best_j)
            hit[i] = True
    return hit


@dataclass
class Tally:
    """Faces found / faces present per category, and boxes on face-free images."""

    found: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    missed: dict[str, list[str]] = field(default_factory=dict)
    false_alarms: int = 0
    free_images: int = 0
    mosaic_false_alarms: int = 0  # boxes on the large face-free mosaics (tiles at finer scales)
    mosaics: int = 0
    mosaic_seconds: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, category: str, hits: int, faces: int, source: str = "") -> None:
        self.found[category] = self.found.get(category, 0) + hits
        self.total[category] = self.total.get(category, 0) + faces
        if hits < faces:
            self.missed.setdefault(category, []).append(source)

    def recall(self, category: str | None = None) -> float:
        if category is None:
            return sum(self.found.values()) / max(sum(self.total.values()), 1)
        return self.found.get(category, 0) / max(self.total.get(category, 0), 1)

    def as_dict(self) -> dict:
        return {
            "recall": self.recall(),
            "by_category": {c: self.recall(c) for c in self.total},
            "faces": sum(self.total.values()),
            "false_alarms": self.false_alarms,
            "face_free_images": self.free_images,
            "median_ms_per_image": 1000 * float(np.median(self.seconds)) if self.seconds else None,
            "mosaic_false_alarms": self.mosaic_false_alarms,
            "face_free_mosaics": self.mosaics,
            "median_ms_per_mosaic": (1000 * float(np.median(self.mosaic_seconds))
                                     if self.mosaic_seconds else None),
            "missed_sources": self.missed,
        }
