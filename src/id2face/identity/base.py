"""One interface for every frozen face recognizer: aligned crops in, L2-normalised embeddings out."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from id2face.geometry import CropTemplate, template_to_template


class Recognizer(ABC):
    """A frozen identity encoder with its own crop template and input size.

    Callers pass crops aligned to *their* template; `embed` re-warps them to the recognizer's own
    template, so the front-end never needs to know which recognizer is in use.
    """

    name: str
    dim: int
    template: CropTemplate
    input_size: int
    # Same person if the L2 distance of *unit-norm* embeddings is below this (recognizer-specific).
    same_person_threshold: float = 1.0

    @abstractmethod
    def _embed_own(self, crops: np.ndarray) -> np.ndarray:
        """(N, input_size, input_size, 3) uint8 RGB in the own template -> (N, dim) float."""

    def warp(
        self, crops: np.ndarray, crop_template: CropTemplate, crop_size: int | None = None
    ) -> np.ndarray:
        """Re-warp crops aligned to `crop_template` into this recognizer's template and size."""
        import cv2  # here, so the model side imports on machines without OpenCV (GPU benchmarks)

        crops = np.asarray(crops)
        if crops.ndim == 3:
            crops = crops[None]
        size = int(crop_size or crops.shape[1])
        if crops.shape[1] != size or crops.shape[2] != size:
            raise ValueError(f"crops are {crops.shape[1]}x{crops.shape[2]}, expected {size}x{size}")
        m = template_to_template(crop_template, size, self.template, self.input_size)
        out = [
            cv2.warpAffine(
                np.ascontiguousarray(c, dtype=np.uint8), m, (self.input_size, self.input_size),
                flags=cv2.INTER_AREA if m[0, 0] ** 2 + m[0, 1] ** 2 < 1 else cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT_101,
            )
            for c in crops
        ]
        return np.stack(out) if out else np.zeros((0, self.input_size, self.input_size, 3), np.uint8)

    def embed(
        self,
        crops: np.ndarray,
        crop_template: CropTemplate,
        crop_size: int | None = None,
        normalize: bool = True,
    ) -> np.ndarray:
        """(N, S, S, 3) uint8 RGB aligned to `crop_template` -> (N, dim) float32, unit L2 norm.

        normalize=False returns the recognizer's raw output (dlib's published 0.6 threshold is on it).
        """
        own = self.warp(crops, crop_template, crop_size)
        if len(own) == 0:
            return np.zeros((0, self.dim), np.float32)
        e = np.asarray(self._embed_own(own), dtype=np.float32).reshape(len(own), -1)
        if not normalize:
            return e
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)

    def describe(self) -> dict:
        """What a saved model records about its recognizer."""
        return {
            "recognizer_name": self.name,
            "recognizer_dim": int(self.dim),
            "recognizer_template": self.template.name,
            "recognizer_points": [list(p) for p in self.template.points],
            "recognizer_input_size": int(self.input_size),
        }
