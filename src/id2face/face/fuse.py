"""Fuse the boxes of several detectors into one list of faces.

Union, then one face per group of boxes that overlap (IoU) or nest (a box mostly inside another,
e.g. a second box on the lower half of a face). Agreement raises confidence: a face two detectors
found scores 1 - (1 - a)(1 - b). The group keeps its best box (MediaPipe's where it agrees with
the best) and CenterFace's five landmarks where it has them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Candidate:
    """One detector's box in photo pixels (it may reach past the frame for cut faces)."""

    box: np.ndarray  # (4,) x0, y0, x1, y1
    score: float
    keypoints5: np.ndarray | None  # (5, 2), subject's right eye first; None: box only
    detector: str


@dataclass
class Fused:
    box: np.ndarray
    score: float
    keypoints5: np.ndarray | None
    detectors: tuple[str, ...]  # every detector with a box in the group, best first
    scores: dict[str, float]  # each detector's best score in the group

    @property
    def detector(self) -> str:
        return "+".join(dict.fromkeys(d.split("-")[0] for d in self.detectors))


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression."""
    order = list(np.argsort(-np.asarray(scores)))
    keep: list[int] = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        order = [j for j in order if overlap(boxes[i], boxes[j])[0] < iou]
    return keep


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(IoU, intersection over the smaller box's area) of two boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return (inter / union if union > 0 else 0.0), (
        inter / min(area_a, area_b) if min(area_a, area_b) > 0 else 0.0
    )


def _centre_in(a: np.ndarray, b: np.ndarray) -> bool:
    cx, cy = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    return bool(b[0] <= cx <= b[2] and b[1] <= cy <= b[3])


def same_face(a: np.ndarray, b: np.ndarray, iou: float, nested: float, min_area_ratio: float = 0.1) -> bool:
    """Boxes that overlap enough, or one mostly inside the other and not tiny next to it, or each
    with its centre inside the other and of a like size (two detectors' boxes on a face cut by the
    frame, shifted)."""
    o, inside = overlap(a, b)
    if o >= iou:
        return True
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    ratio = min(area_a, area_b) / max(area_a, area_b, 1e-9)
    if ratio >= 0.5 and _centre_in(a, b) and _centre_in(b, a):
        return True
    return inside >= nested and ratio >= min_area_ratio


def fuse(candidates: list[Candidate], iou: float = 0.4, nested: float = 0.75) -> list[Fused]:
    """Group candidates greedily from the best score down; one Fused per group."""
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    groups: list[list[Candidate]] = []
    for i in order:
        c = candidates[i]
        for g in groups:
            if same_face(g[0].box, c.box, iou, nested):
                g.append(c)
                break
        else:
            groups.append([c])
    return [_merge(g, iou) for g in groups]


def _merge(group: list[Candidate], iou: float) -> Fused:
    # The box: the best-scoring one, or MediaPipe's best where it agrees with that (IoU): the face
    # mesh is then run around the same box as before CenterFace was added, so faces MediaPipe found
    # come out the same. A box nested in the group but off (on the lower half of a face, or shifted)
    # is never the group's box. The five points: CenterFace's real landmarks where it saw the face
    # (used when the mesh fails), else the box's detector's.
    mediapipe = [c for c in group if c.detector.startswith("mediapipe")]
    base = group[0]  # the best score
    if mediapipe and overlap(mediapipe[0].box, base.box)[0] >= iou:
        base = mediapipe[0]
    marks = [c for c in group if c.keypoints5 is not None and c.detector.startswith("centerface")]
    points = marks[0].keypoints5 if marks else base.keypoints5
    by_detector: dict[str, float] = {}
    scores: dict[str, float] = {}
    for c in group:
        name = c.detector.split("-")[0]
        by_detector[name] = max(by_detector.get(name, 0.0), c.score)
        scores[c.detector] = max(scores.get(c.detector, 0.0), c.score)
    miss = 1.0
    for s in by_detector.values():
        miss *= 1.0 - min(max(s, 0.0), 1.0)
    return Fused(
        box=np.asarray(base.box, np.float64),
        score=float(1.0 - miss),
        keypoints5=None if points is None else np.asarray(points, np.float64),
        detectors=tuple(dict.fromkeys(c.detector for c in group)),
        scores=scores,
    )
