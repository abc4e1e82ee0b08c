"""The two recognizers the evaluation attacks with, behind one small interface.

`embed(image, faces) -> (N, D)` for Face records (box, keypoints5) of one photo. dlib is the
recognizer id2face trains against; faceres is held out (see evaluation/faceres.py).
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from id2face.face.align import face_chips
from id2face.face.types import Face


class EvalRecognizer(Protocol):
    name: str
    metric: str  # "cosine" or "l2"
    threshold: float  # in the metric's own units (cosine >= t, or l2 < t means "same person")

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray: ...


class DlibRecognizer:
    """dlib ResNet 128-D (id2face.model.recognizers, the one the model trains with); same person
    if L2 < 0.6 (dlib's own threshold), on the face's five points aligned to dlib's chip template."""

    name = "dlib"
    metric = "l2"

    def __init__(self, threshold: float = 0.6):
        from id2face.model.recognizers import DlibRecognizer as ModelDlib

        self.threshold = threshold
        self._rec = ModelDlib()

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        if not faces:
            return np.zeros((0, self._rec.dim), np.float32)
        img = np.ascontiguousarray(np.repeat(image[..., None], 3, 2) if image.ndim == 2 else image)
        size, tpl = self._rec.input_size, self._rec.template
        crops = face_chips(img, faces, tpl, size)
        # Raw descriptors (normalize=False): dlib's 0.6 threshold is defined on them (norm ~1.3-1.4);
        # unit-norm ones would shrink every distance by that factor.
        return self._rec.embed(crops, tpl, size, normalize=False)


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
