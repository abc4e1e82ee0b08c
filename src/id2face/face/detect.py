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
from id2face.geometry import box_iou


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression."""
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        order = [j for j in order if box_iou(boxes[i], boxes[j])[0, 0] < iou]
    return keep


def _tiles(w: int, h: int, size: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (x0, y0, x1, y1), a quarter overlap, covering a w x h frame."""
    if max(w, h) <= size:
        return []
    stride = int(size * 0.75)

    def starts(n: int) -> list[int]:
        if n <= size:
            return [0]
        s = list(range(0, n - size, stride))
        return s + [n - size]

    return [(x, y, min(w, x + size), min(h, y + size)) for y in starts(h) for x in starts(w)]


def _downscaled(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale == 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


class FaceDetector:
    """Finds faces and their landmarks in an RGB photo: `detect(image) -> list[Face]`."""

    def __init__(self, config: DetectorConfig | None = None):
        self.config = config or DetectorConfig()
        with native_stderr_silenced():
            import mediapipe as mp

            self._mp_detector = mp.solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=self.config.threshold
            )
            self._mp_short = mp.solutions.face_detection.FaceDetection(
                model_selection=0, min_detection_confidence=self.config.threshold
            ) if self.config.short_range else None
            self._mesh = MeshEstimator() if self.config.mesh else None
            # The first inference of each graph prints delegate notices; run it now, silenced.
            warm = np.zeros((64, 64, 3), np.uint8)
            self._mp_detector.process(warm)
            if self._mp_short is not None:
                self._mp_short.process(warm)
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
        cfg = self.config
        boxes: list[np.ndarray] = []
        scores: list[float] = []
        kps: list[np.ndarray | None] = []
        names: list[str] = []
        small, scale = _downscaled(image, cfg.max_side)
        whole = [(0, 0, small.shape[1], small.shape[0])]
        passes = [(self._mp_detector, small, scale, whole, "mediapipe")]
        if self._mp_short is not None:
            passes.append((self._mp_short, small, scale, whole, "mediapipe-short"))
        if cfg.tiles:
            fine, fscale = _downscaled(image, cfg.tile_max_side)
            tiles = _tiles(fine.shape[1], fine.shape[0], cfg.tile_size)
            if tiles:
                passes.append((self._mp_detector, fine, fscale, tiles, "mediapipe"))
        with self._lock:
            for model, img, sc, regions, label in passes:
                for box, score, kp, name in self._detect_regions(model, img, regions, label):
                    boxes.append(box / sc)
                    scores.append(score)
                    kps.append(kp / sc if kp is not None else None)
                    names.append(name)
            if self._dlib is not None:
                for r in self._dlib(small, 1):
                    box = np.array([r.left(), r.top(), r.right(), r.bottom()], dtype=np.float64) / scale
                    if not boxes or box_iou(box, np.array(boxes)).max() < 0.2:
                        boxes.append(box)
                        scores.append(0.5)
                        kps.append(None)
                        names.append("dlib-hog")
        if not boxes:
            return []
        boxes_a = np.array(boxes)
        faces = []
        for i in nms(boxes_a, np.array(scores), cfg.nms_iou):
            b = boxes_a[i]
            if min(b[2] - b[0], b[3] - b[1]) < cfg.min_size:
                continue
            faces.append(Face(box=b, score=float(scores[i]), keypoints5=keypoints5_from_detection(b, kps[i]),
                              detector=names[i]))
        if self._mesh is not None:
            with self._lock:
                for f in faces:
                    self._mesh.refine(image, f)
            # The short-range model fires on textures now and then; a box that only it found
            # counts when the face mesh confirms a face there.
            faces = [f for f in faces if f.detector != "mediapipe-short" or f.mesh is not None]
        return faces

    @staticmethod
    def _detect_regions(
        model, img: np.ndarray, regions: list[tuple[int, int, int, int]], name: str = "mediapipe"
    ):
        """A MediaPipe detector on each region of img; yields (box, score, keypoints, name) in img pixels."""
        for x0, y0, x1, y1 in regions:
            res = model.process(np.ascontiguousarray(img[y0:y1, x0:x1]))
            rw, rh = x1 - x0, y1 - y0
            for d in res.detections or []:
                rb = d.location_data.relative_bounding_box
                box = np.array([rb.xmin * rw + x0, rb.ymin * rh + y0,
                                (rb.xmin + rb.width) * rw + x0, (rb.ymin + rb.height) * rh + y0])
                pts = np.array([[p.x * rw + x0, p.y * rh + y0] for p in d.location_data.relative_keypoints])
                yield box, float(d.score[0]), pts, name
