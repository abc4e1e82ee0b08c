"""Alignment: warp a face to a canonical crop template at any resolution, and back exactly."""

from __future__ import annotations

import cv2
import numpy as np

from id2face.face.types import Face
from id2face.geometry import FFHQ, CropTemplate, affine_scale, apply_affine, umeyama_similarity


def alignment_matrix(keypoints5: np.ndarray, template: CropTemplate, size: int) -> np.ndarray:
    """2x3 similarity taking photo pixels to crop pixels."""
    return umeyama_similarity(keypoints5, template.pixels(size))


def warp_to_crop(image: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """Sample the crop; big faces are first sampled at an integer multiple, then area-averaged
    (no aliasing)."""
    scale = affine_scale(matrix)
    factor = int(min(4, max(1, np.floor(1.0 / max(scale, 1e-6)))))
    if factor == 1:
        return cv2.warpAffine(
            image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    big = cv2.warpAffine(image, matrix * np.array([[factor], [factor]]), (size * factor, size * factor),
                         flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)


def box_view(image: np.ndarray, box: np.ndarray, side: int, context: float,
             border: int = cv2.BORDER_REPLICATE) -> tuple[np.ndarray, np.ndarray]:
    """A side x side view centred on `box`, whose longer edge spans 1/context of it (past the photo's
    edge: `border`, an OpenCV border mode, replicated by default).

    Returns the view and its 2x3 photo -> view matrix (a scale and a shift), for mapping results back.
    """
    x0, y0, x1, y1 = box
    s = side / (context * max(x1 - x0, y1 - y0, 1e-6))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    m = np.array([[s, 0, side / 2 - s * cx], [0, s, side / 2 - s * cy]])
    view = cv2.warpAffine(image, m, (side, side), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                          borderMode=border)
    return view, m


def face_chips(image: np.ndarray, faces: list[Face], template: CropTemplate, size: int) -> np.ndarray:
    """(N, size, size, 3) crops of `faces` straight in `template` (e.g. a recognizer's own chip)."""
    return np.stack(
        [warp_to_crop(image, alignment_matrix(f.keypoints5, template, size), size) for f in faces]
    )


def align_face(image: np.ndarray, face: Face, size: int, template: CropTemplate = FFHQ) -> Face:
    """Fill face.matrix, face.crop and face.crop_landmarks for one template and size (and forget what was
    read from an earlier crop: face.person)."""
    face.matrix = alignment_matrix(face.keypoints5, template, size)
    face.crop = warp_to_crop(image, face.matrix, size)
    face.person = None
    pts = face.mesh[:, :2] if face.mesh is not None else face.keypoints5
    face.crop_landmarks = apply_affine(face.matrix, pts)
    return face
