"""Face detection (MediaPipe full range, optional dlib HOG) with face-mesh landmarks.

Detection runs on a downscaled copy (and tiles of large photos, for small faces); the mesh runs
on a fixed-size crop around each box, so memory stays bounded for any photo size.
"""

from __future__ import annotations

import os
import threading

# MediaPipe logs through glog/absl at import and first use; keep the console for our own messages.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np

from id2face.face.config import DetectorConfig
from id2face.face.landmarks import MeshEstimator, keypoints5_from_detection
from id2face.face.quiet import native_stderr_silenced
from id2face.face.types import Face


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression."""
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        order = [j for j in order if box_iou(boxes[i], boxes[j]) < iou]
    return keep


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _tiles(w: int, h: int) -> list[tuple[int, int, int, int]]:
    """2x2 overlapping tiles (x0, y0, x1, y1) covering a frame."""
    tw, th = int(w * 0.6), int(h * 0.6)
    return [(x, y, x + tw, y + th) for x in (0, w - tw) for y in (0, h - th)]


class FaceDetector:
    """Finds faces and their landmarks in an RGB photo: `detect(image) -> list[Face]`."""

    def __init__(self, config: DetectorConfig | None = None):
        self.config = config or DetectorConfig()
        with native_stderr_silenced():
            import mediapipe as mp

            self._mp_detector = mp.solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=self.config.threshold
            )
            self._mesh = MeshEstimator() if self.config.mesh else None
            # The first inference of each graph prints delegate notices; run it now, silenced.
            warm = np.zeros((64, 64, 3), np.uint8)
            self._mp_detector.process(warm)
            if self._mesh is not None:
                self._mesh.warm_up()
        self._dlib = None
        if self.config.second_detector == "dlib-hog":
            import dlib

            self._dlib = dlib.get_frontal_face_detector()
        elif self.config.second_detector not in (None, "", "none"):
            raise ValueError(f"unknown second detector {self.config.second_detector!r}; use dlib-hog")
        self._lock = threading.Lock()  # MediaPipe graphs are not re-entrant

    def detect(self, image: np.ndarray) -> list[Face]:
        h, w = image.shape[:2]
        scale = min(1.0, self.config.max_side / max(h, w))
        small = image if scale == 1.0 else cv2.resize(
            image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
        )
        with self._lock:
            boxes, scores, kps, names = self._detect_small(small)
        if not boxes:
            return []
        boxes_a = np.array(boxes) / scale
        kps_a = [k / scale if k is not None else None for k in kps]
        keep = nms(boxes_a, np.array(scores), self.config.nms_iou)
        faces = []
        for i in keep:
            b = boxes_a[i]
            if min(b[2] - b[0], b[3] - b[1]) < self.config.min_size:
                continue
            faces.append(Face(box=b, score=float(scores[i]), keypoints5=keypoints5_from_detection(b, kps_a[i]),
                              detector=names[i]))
        if self._mesh is not None:
            with self._lock:
                for f in faces:
                    self._mesh.refine(image, f)
        return faces

    def _detect_small(self, small: np.ndarray):
        sh, sw = small.shape[:2]
        boxes, scores, kps, names = [], [], [], []
        regions = [(0, 0, sw, sh)]
        if self.config.tiles and max(sh, sw) >= 640:
            regions += _tiles(sw, sh)
        for x0, y0, x1, y1 in regions:
            res = self._mp_detector.process(np.ascontiguousarray(small[y0:y1, x0:x1]))
            for d in res.detections or []:
                rb = d.location_data.relative_bounding_box
                rw, rh = x1 - x0, y1 - y0
                box = np.array([rb.xmin * rw + x0, rb.ymin * rh + y0,
                                (rb.xmin + rb.width) * rw + x0, (rb.ymin + rb.height) * rh + y0])
                pts = np.array([[p.x * rw + x0, p.y * rh + y0] for p in d.location_data.relative_keypoints])
                boxes.append(box)
                scores.append(float(d.score[0]))
                kps.append(pts)
                names.append("mediapipe")
        if self._dlib is not None:
            for r in self._dlib(small, 1):
                box = np.array([r.left(), r.top(), r.right(), r.bottom()], dtype=np.float64)
                if all(box_iou(box, b) < 0.2 for b in boxes):
                    boxes.append(box)
                    scores.append(0.5)
                    kps.append(None)
                    names.append("dlib-hog")
        return boxes, scores, kps, names
