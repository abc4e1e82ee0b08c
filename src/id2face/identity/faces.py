"""Embed the faces of a whole photo: each face warped once, straight into the recognizer's own chip.

Apart from base.py because it needs the front-end's warp (OpenCV); the model only embeds crops.
"""

from __future__ import annotations

import numpy as np

from id2face.face.align import face_chips
from id2face.face.types import Face

from .base import Recognizer


def embed_faces(recognizer: Recognizer, image: np.ndarray, faces: list[Face], normalize: bool = True
                ) -> np.ndarray:
    """(N, dim) embeddings of `faces` in `image` (RGB or grayscale uint8).

    normalize=False keeps the raw descriptors (dlib's 0.6 threshold is defined on them).
    """
    if not faces:
        return np.zeros((0, recognizer.dim), np.float32)
    img = np.ascontiguousarray(np.repeat(image[..., None], 3, 2) if image.ndim == 2 else image)
    size, template = recognizer.input_size, recognizer.template
    return recognizer.embed(face_chips(img, faces, template, size), template, size, normalize=normalize)
