"""The interface every anonymization method implements: aligned crops in, aligned crops out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from id2face.face.types import Face
from id2face.geometry import FFHQ, CropTemplate


@runtime_checkable
class FaceMethod(Protocol):
    """Replaces the masked region of aligned face crops.

    crops: (N, S, S, 3) uint8 RGB aligned to `template` at `crop_size`.
    masks: (N, S, S) float32 in [0, 1]; 1 = the region to replace.
    faces: the Face records (track_id, mesh in crop coordinates, ...), same order.
    seed:  run seed; methods with randomness derive per-face identities from it (and track_id).
    strength: optional keyword, this call's anonymization strength in [0, 1] (None: the method's own);
        the Anonymizer passes it only when its caller gives one, so a method may leave it out.
    Returns (N, S, S, 3) uint8. Only pixels where mask > 0 are pasted back.
    A method may also define `new_sequence()`: the Anonymizer calls it at the start of each video
    (track ids start again there).
    """

    name: str
    crop_size: int
    template: CropTemplate
    color_match: bool

    def __call__(
        self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None
    ) -> np.ndarray: ...


DEFAULT_TEMPLATE = FFHQ
