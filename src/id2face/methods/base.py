"""The interface every anonymization method implements: aligned crops in, aligned crops out."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol, runtime_checkable

import numpy as np

from id2face.face.config import MaskConfig
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
    (track ids start again there), `mask_config(base) -> MaskConfig`: the mask it needs (see
    mask_settings), and `mesh_from_points(crop_points5) -> mesh | None` (see estimate_mesh).
    """

    name: str
    crop_size: int
    template: CropTemplate
    color_match: bool

    def __call__(
        self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None
    ) -> np.ndarray: ...


DEFAULT_TEMPLATE = FFHQ


def mask_settings(method: object, base: MaskConfig) -> MaskConfig:
    """The mask settings for `method`'s crops: its own `mask_config(base)` when it has one (the mask
    method covers a beard, on a wider crop), else the photo's settings as they are. The "person" blend is for
    methods that draw a new face (`color_match`): a blur or a mosaic leaves no halo to cut away, and cutting
    it would keep the real head's outline sharp against the blurred one, so they paste the whole region."""
    own = getattr(method, "mask_config", None)
    settings = own(base) if callable(own) else base
    if settings.blend == "person" and not getattr(method, "color_match", False):
        settings = replace(settings, blend="region")
    return settings


def estimate_mesh(method: object, face: Face) -> bool:
    """Give an aligned face without a mesh the mesh `method` estimates from its five points, in crop pixels
    (face.crop_landmarks; face.mesh stays None: the face still counts as replaced on its points). The region
    and the model's geometry maps are then drawn as for a meshed face. False when the method has no
    estimate (its template ellipse stays)."""
    own = getattr(method, "mesh_from_points", None)
    lm = face.crop_landmarks
    if not callable(own) or face.mesh is not None or lm is None or len(lm) != 5:
        return False
    mesh = own(np.asarray(lm, np.float64)[:, :2])
    if mesh is None:
        return False
    face.crop_landmarks = np.asarray(mesh, np.float64)
    return True
