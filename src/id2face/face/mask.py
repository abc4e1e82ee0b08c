"""The region that gets replaced: hairline to chin, ear to ear, with a feathered edge.

Built in crop coordinates from the face-mesh outline (or its estimate from five points, or the
template when there is neither), so the same mask drives identity masking in the model and what is pasted
back (`blend_mask`: MaskConfig.blend "person", the default, pastes the region less the background it reaches
into; "face" only the face inside its outline; "region" all of it).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from id2face.face.config import MaskConfig
from id2face.face.landmarks import FACE_OVAL
from id2face.face.types import Face
from id2face.geometry import CropTemplate


def hard_mask(face: Face, size: int, template: CropTemplate, config: MaskConfig | None = None) -> np.ndarray:
    """Binary (0/1 float32) face region in crop pixels."""
    cfg = config or MaskConfig()
    mask = np.zeros((size, size), np.uint8)
    if face.crop_landmarks is not None and len(face.crop_landmarks) > max(FACE_OVAL):  # mesh or estimate
        oval = face.crop_landmarks[list(FACE_OVAL)].astype(np.float64)
        chin = face.crop_landmarks[152]
        top = face.crop_landmarks[10]
        up = (top - chin) * (cfg.hair_reach if cfg.hair else cfg.forehead)  # toward (or past) the hairline
        height = max(chin[1] - top[1], 1e-6)
        upper = np.clip((chin[1] - oval[:, 1]) / height - 0.5, 0, 0.5) * 2  # 1 at the top, 0 at mid-height
        lower = np.clip((oval[:, 1] - top[1]) / height - 0.5, 0, 0.5) * 2  # 1 at the chin, 0 at mid-height
        down = (chin - top) * cfg.chin  # the lower half pushed below the chin (a beard)
        oval = oval + upper[:, None] * up[None, :] + lower[:, None] * down[None, :]
        cv2.fillPoly(mask, [np.round(oval).astype(np.int32)], 1)
    else:
        pts = template.pixels(size)
        eye_mid = (pts[0] + pts[1]) / 2
        mouth_mid = (pts[3] + pts[4]) / 2
        d = np.linalg.norm(mouth_mid - eye_mid)
        # A face (hairline to chin) is about 2.8 d tall: eyes 1.25 d below the hairline, the chin 0.55 d
        # below the mouth. The ellipse adds the same pushes as the mesh branch, in face heights.
        face_h = 2.8 * d
        reach_up = 1.15 * d + (cfg.hair_reach if cfg.hair else cfg.forehead) * face_h
        reach_down = 0.9 * d + cfg.chin * face_h
        top_y, bottom_y = eye_mid[1] - reach_up, mouth_mid[1] + reach_down
        centre = np.array([(eye_mid[0] + mouth_mid[0]) / 2, (top_y + bottom_y) / 2])
        axes = (int(round(1.25 * d)), int(round((bottom_y - top_y) / 2)))
        cv2.ellipse(mask, (int(round(centre[0])), int(round(centre[1]))), axes, 0, 0, 360, 1, -1)
    grow = int(round(cfg.grow_for(face.width) * size))
    if grow > 0:
        mask = cv2.dilate(mask, growth_kernel(grow, cfg.neck))
    return mask.astype(np.float32)


def growth_kernel(grow: int, below: float = 1.0) -> np.ndarray:
    """Dilation kernel that grows a region by `grow` pixels sideways and up, `below` times that down.

    A pixel under the region is reached through the kernel's rows above its anchor, so those rows are
    squashed to an ellipse of height `below` * grow.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    if below >= 1.0:
        return kernel
    down = int(round(below * grow))
    squashed = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * down + 1))
    kernel[:grow] = 0
    kernel[grow - down:grow] = squashed[:down]
    return kernel


def feather(mask: np.ndarray, width: float) -> np.ndarray:
    """Soft edge that stays exactly 1 deep inside and fades to exactly 0 a little outside."""
    if width <= 0:
        return mask.astype(np.float32)
    k = int(2 * round(width) + 1)
    # Grow first so the fade happens around the edge, then blur.
    grown = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    soft = cv2.GaussianBlur(grown, (2 * k + 1, 2 * k + 1), width / 2)
    soft = np.clip((soft - 0.02) / 0.96, 0, 1)
    return soft.astype(np.float32)


def face_mask(face: Face, size: int, template: CropTemplate, config: MaskConfig | None = None) -> np.ndarray:
    """Feathered mask in crop pixels; also stored on face.mask."""
    cfg = config or MaskConfig()
    mask = feather(hard_mask(face, size, template, cfg), cfg.feather * size)
    if cfg.preserve:
        kept = preserved_parts(face, size, cfg)
        if kept is not None:
            mask = mask * (1.0 - feather(kept, 0.5 * cfg.feather * size))
    face.mask = mask.astype(np.float32)
    return face.mask


def blend_mask(face: Face, size: int, template: CropTemplate, config: MaskConfig,
               new: np.ndarray | None = None) -> np.ndarray:
    """What is pasted back (config.blend), never more than face.mask; also on face.blend.

    "face": the face inside its outline (the region without its growth), faded out over the last
    `blend_feather` inside that outline, so nothing outside the face's own edge changes.
    "person": all of the face inside its outline, and the rest of the region where face.crop shows the
    person (face/person.py) or, once the `new` crop is known, where either crop does: where the growth
    reaches past both heads, the background keeps its own pixels, and the real head's outline is always
    drawn over.
    """
    if face.mask is None:
        raise ValueError("blend_mask needs face.mask: call face_mask first")
    if config.blend == "region":
        face.blend = face.mask
        return face.blend
    if config.blend not in ("face", "person"):
        raise ValueError(f"unknown blend {config.blend!r}")
    core = core_mask(face, size, template, config)
    if config.blend == "face":
        face.blend = core
        return face.blend
    if face.crop is None:
        raise ValueError("the 'person' blend needs face.crop: align the face first")
    from id2face.face.person import person_probability

    if face.person is None:  # read once per crop: the paste asks again with the new crop
        face.person = person_probability(face.crop)
    person = face.person
    if new is not None:  # a pixel is background only where neither head is
        person = 1.0 - (1.0 - person) * (1.0 - person_probability(new))
    face.blend = person_region(face.mask, core, person)
    return face.blend


def person_region(mask: np.ndarray, core: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The replaced region where there is a person (probability `person`), never less than the face's core."""
    return (mask * np.maximum(person, core)).astype(np.float32)


def core_mask(face: Face, size: int, template: CropTemplate, config: MaskConfig) -> np.ndarray:
    """The face inside its outline (the region without its growth), faded out over the last
    `blend_feather` inside that outline; never more than face.mask. Not stored on the face."""
    outline = hard_mask(face, size, template, replace(config, dilate=0.0, small_grow=0.0))
    width = config.blend_feather * size
    soft = outline
    if width > 0:
        k = int(2 * round(width) + 1)
        inner = cv2.erode(outline, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        soft = cv2.GaussianBlur(inner, (0, 0), width / 2) * outline
    return np.minimum(soft, face.mask).astype(np.float32)


def part_indices(name: str) -> list[int]:
    """Face-mesh vertices of a part (MediaPipe's own index sets)."""
    from mediapipe.python.solutions import face_mesh_connections as mesh

    sets = {"eyes": ("FACEMESH_LEFT_EYE", "FACEMESH_RIGHT_EYE"), "brows": ("FACEMESH_LEFT_EYEBROW",
            "FACEMESH_RIGHT_EYEBROW"), "mouth": ("FACEMESH_LIPS",), "nose": ("FACEMESH_NOSE",)}
    if name not in sets:
        raise ValueError(f"unknown face part {name!r}; choose from {', '.join(PARTS)}")
    return sorted({i for s in sets[name] for edge in getattr(mesh, s) for i in edge})


PARTS = ("eyes", "brows", "mouth", "nose")


def preserved_parts(face: Face, size: int, cfg: MaskConfig) -> np.ndarray | None:
    """Binary mask of the parts to keep (each part's hull, one hull per side), or None without a mesh."""
    lm = face.crop_landmarks
    if face.mesh is None or lm is None or len(lm) < 468:
        return None
    kept = np.zeros((size, size), np.uint8)
    for name in cfg.preserve:
        idx = part_indices(name)
        pts = np.asarray(lm, np.float64)[idx, :2]
        if name in ("eyes", "brows"):  # two separate hulls, split at the face's middle
            mid = float(np.asarray(lm, np.float64)[168, 0])  # between the eyes
            groups = [pts[pts[:, 0] < mid], pts[pts[:, 0] >= mid]]
        else:
            groups = [pts]
        for g in groups:
            if len(g) >= 3:
                cv2.fillPoly(kept, [cv2.convexHull(np.round(g).astype(np.int32))], 1)
    grow = int(round(cfg.preserve_margin * size))
    if grow > 0:
        kept = cv2.dilate(kept, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    return kept.astype(np.float32)
