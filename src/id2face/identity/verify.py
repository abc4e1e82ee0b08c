"""Same-person decisions on whole photos: the recognizers the evaluation attacks with.

`embed(image, faces) -> (N, D)` for Face records (box, keypoints5) of one photo, and the rule that
says "same person". dlib is the recognizer id2face trains against; faceres is held out (faceres.py).
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from id2face.face.types import Face

from .base import Recognizer
from .dlib_resnet import DlibRecognizer
from .faces import embed_faces


class Verifier(Protocol):
    name: str
    metric: str  # "cosine" or "l2"
    threshold: float  # in the metric's own units (cosine >= t, or l2 < t means "same person")

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray: ...


class DescriptorVerifier:
    """A Recognizer's raw descriptors on the face's five points aligned to its own chip; same person
    if L2 < threshold (for dlib, its own 0.6: unit-norm embeddings would shrink every distance)."""

    metric = "l2"

    def __init__(self, recognizer: Recognizer, name: str, threshold: float):
        self.recognizer = recognizer
        self.name = name
        self.threshold = threshold

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        return embed_faces(self.recognizer, image, faces, normalize=False)


def dlib_verifier(threshold: float = DlibRecognizer.raw_threshold) -> DescriptorVerifier:
    """dlib ResNet 128-D (the recognizer the model trains with), named "dlib" in reports."""
    return DescriptorVerifier(DlibRecognizer(), "dlib", threshold)


class FaceResVerifier:
    """faceres on square crops 1.2x the detected box; cosine similarity."""

    name = "faceres"
    metric = "cosine"

    def __init__(self, directory: str | os.PathLike | None = None, threshold: float | None = None):
        from .faceres import DEFAULT_THRESHOLD, FaceResRecognizer  # here: torch + the TFJS reader

        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self._model = FaceResRecognizer(directory, self.threshold)

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        return self._model.embed(image, np.array([f.box for f in faces]).reshape(-1, 4))

    def describe(self, image: np.ndarray, faces: list[Face]) -> tuple[np.ndarray, np.ndarray]:
        """`embed` and each face's judged [p(male), age] from the same pass (faceres.describe)."""
        return self._model.describe(image, np.array([f.box for f in faces]).reshape(-1, 4))


def build_verifiers(names: list[str], faceres_dir: str | None = None) -> list[Verifier]:
    out: list[Verifier] = []
    for n in names:
        if n == "dlib":
            out.append(dlib_verifier())
        elif n == "faceres":
            out.append(FaceResVerifier(faceres_dir))
        else:
            raise ValueError(f"unknown recognizer {n!r} (use dlib, faceres)")
    return out
