"""Paste processed crops back into the photo: inverse warp, colour match, feathered blend.

Only pixels under the warped mask change; every pixel outside it keeps its exact value. Work is
confined to each face's bounding rectangle, so cost follows face size, not photo size.

The crop's outermost pixels are never trusted: a decoder's first rows are chroma noise and the mask
can reach the crop's top edge (the forehead push), and colour matching stretched those rows into a
magenta/green/yellow line along the face. `edge_fade` keeps them out of the statistics and the blend.
"""

from __future__ import annotations

import zlib

import cv2
import numpy as np

from id2face.face.grain import add_grain
from id2face.geometry import affine_scale, apply_affine, invert_affine


def edge_fade(size: int) -> np.ndarray:
    """(size, size) weight: 0 on the crop's outer 1.5% (at least 2 px), rising to 1 over the next 3%."""
    skip = max(2, round(0.015 * size))
    ramp = max(2, round(0.03 * size))
    d = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32)  # distance to the nearer edge
    fade = np.clip((d - skip + 1) / ramp, 0, 1)
    return np.minimum(fade[:, None], fade[None, :])


def match_colour(new: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Shift the new crop's per-channel mean and spread (in Lab) to the source's, inside the mask.

    A grey face in a colour photo (a mode a model learns from grey training photos such as LFW) has no
    chroma spread to scale: its a/b channels take the source's low-frequency chroma instead (skin tone,
    lip and cheek colour blurred over ~5 % of the crop), keeping the new face's own fine chroma.
    """
    w = (mask * edge_fade(mask.shape[0]) > 0.5).astype(np.float64)
    if w.sum() < 16:
        return new
    lab_new = cv2.cvtColor(new, cv2.COLOR_RGB2LAB).astype(np.float64)
    lab_ref = cv2.cvtColor(ref, cv2.COLOR_RGB2LAB).astype(np.float64)
    out = lab_new.copy()
    n = w.sum()
    if np.abs(ref.astype(np.int16) - ref[..., :1]).max() <= 2:  # a grey photo: the face stays grey
        grey = cv2.cvtColor(cv2.cvtColor(new, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        lab_new = cv2.cvtColor(grey, cv2.COLOR_RGB2LAB).astype(np.float64)
        out = lab_new.copy()

    def spread(lab: np.ndarray, c: int) -> tuple[float, float]:
        m = (lab[..., c] * w).sum() / n
        return m, float(np.sqrt(((lab[..., c] - m) ** 2 * w).sum() / n)) + 1e-6

    stats = [(spread(lab_new, c), spread(lab_ref, c)) for c in range(3)]
    grey_face = sum(new_c[1] for new_c, _ in stats[1:]) < 0.35 * sum(ref_c[1] for _, ref_c in stats[1:])
    sigma = 0.05 * mask.shape[0]
    for c, ((mn, sn), (mr, sr)) in enumerate(stats):
        if grey_face and c > 0:
            low_new = cv2.GaussianBlur(lab_new[..., c], (0, 0), sigma)
            out[..., c] = cv2.GaussianBlur(lab_ref[..., c], (0, 0), sigma) + (lab_new[..., c] - low_new)
            continue
        ratio = np.clip(sr / sn, 0.5, 2.0)
        out[..., c] = (lab_new[..., c] - mn) * ratio + mr
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def match_edges(new: np.ndarray, ref: np.ndarray, mask: np.ndarray, amount: float = 1.0) -> np.ndarray:
    """Take out the new crop's local colour drift along the pasted region's edge, fading inward.

    A model redraws the whole crop, and where the region meets the kept photo its colours drift from the
    photo's (a lighter sky beside a new head, a warmer wall): the edge shows as a seam. The drift is measured
    only on a thin ring just outside the region, pixels the photo keeps and shows anyway, spread smoothly
    (normalised convolution) and added inside, whole through the edge's feather, then fading over ~10 % of
    the crop: no pixel of the real face inside the region reaches the new one. `amount` scales it (0: none).
    """
    if amount <= 0:
        return new
    size = mask.shape[0]
    pasted = (mask >= 0.02).astype(np.uint8)  # any of the new crop shows here (the feather included)
    if pasted.sum() < 16 or pasted.all():
        return new
    dist_out = cv2.distanceTransform(1 - pasted, cv2.DIST_L2, 3)
    near = (dist_out > 0) & (dist_out <= max(2.0, 0.04 * size))
    ring = (near & (edge_fade(size) >= 1.0)).astype(np.float32)
    if ring.sum() < 8:
        return new
    sigma = 0.08 * size
    drift = ref.astype(np.float32) - new.astype(np.float32)
    support = cv2.GaussianBlur(ring, (0, 0), sigma)
    spread = cv2.GaussianBlur(drift * ring[..., None], (0, 0), sigma) / np.maximum(support, 1e-6)[..., None]
    # Where no ring is near (the crop's border, a kept hand), the estimate is not trusted.
    trust = np.clip(support / (support.max() + 1e-6) * 4.0, 0.0, 1.0)
    # Whole through the feather (where the seam shows), then fading inside the solid region.
    solid = (mask >= 0.98).astype(np.uint8)
    fall = np.exp(-cv2.distanceTransform(solid, cv2.DIST_L2, 3) / (0.1 * size))
    out = new.astype(np.float32) + (amount * trust * fall)[..., None] * spread
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def harmonize(new: np.ndarray, ref: np.ndarray, mask: np.ndarray, edge_match: float = 0.0) -> np.ndarray:
    """A generated crop made ready to paste over `ref`: its colour matched to the face it replaces, then
    (with `edge_match`) its drift along the region's edge taken out."""
    return match_edges(match_colour(new, ref, mask), ref, mask, edge_match)


def upscale_share(matrix: np.ndarray) -> float:
    """0 where the crop is pasted at or below its own size, rising to 1 where it is scaled up 2x or more.

    Only a crop scaled up into the photo looks softer than the photo around it. A smaller face is a
    scaled-down crop: it has the detail of the photo's scale already, and grain added to it was measured
    to cost (2026-11-28, v0.3, 107 held-out faces, 71 under 100 px, grain everywhere: FID 116 vs 108,
    median pose error 3.77 vs 3.40 degrees).
    """
    crop_px_per_photo_px = affine_scale(matrix)
    return float(np.clip(1.0 / max(crop_px_per_photo_px, 1e-9) - 1.0, 0.0, 1.0))


# MaskConfig.resample -> the interpolation of a crop scaled up into the photo.
RESAMPLE_FLAGS = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}


def warp_crop(crop: np.ndarray, to_roi: np.ndarray, roi_size: tuple[int, int], resample: str = "cubic"
              ) -> np.ndarray:
    """`crop` drawn into a photo rectangle of `roi_size` through the crop->rectangle affine `to_roi`.

    Most faces are a 128-px crop scaled up 1.5-8x: bilinear interpolation shows the crop's pixel grid there
    as creases, a cubic or Lanczos kernel does not (on 107 held-out faces the crops' sharpness rose from 82 to
    106, originals 267, at the same FID and re-identification). A crop scaled down (faces under ~60 px) keeps
    the bilinear warp: area-averaging it first was tried (2026-11-30) and made 9-px faces a faithful blob of
    the colour-matched original that both recognizers matched (2 more hits of 214 each).
    """
    flag = RESAMPLE_FLAGS[resample] if affine_scale(to_roi) > 1.0 else cv2.INTER_LINEAR
    return cv2.warpAffine(crop, to_roi, roi_size, flags=flag, borderMode=cv2.BORDER_REPLICATE)


def paste_crop(image: np.ndarray, crop: np.ndarray, mask: np.ndarray, matrix: np.ndarray,
               grain: float = 0.0, reference: np.ndarray | None = None, resample: str = "cubic"
               ) -> np.ndarray:
    """Blend `crop` (aligned with photo->crop `matrix`) into `image` in place; returns image.

    grain: how much of the fine grain the crop lacks against the photo's face it replaces is added
    (face/grain.py; 0: none), in proportion to `upscale_share`. Its noise is seeded by the crop, so the
    same crop pastes the same way. reference: the photo as it was before any face was pasted (the grain
    level is measured there; default: `image`). resample: how the crop is scaled (`warp_crop`).
    """
    size = crop.shape[0]
    inv = invert_affine(matrix)
    corners = apply_affine(inv, np.array([[0, 0], [size, 0], [0, size], [size, size]], dtype=np.float64))
    h, w = image.shape[:2]
    x0 = int(max(0, np.floor(corners[:, 0].min()) - 1))
    y0 = int(max(0, np.floor(corners[:, 1].min()) - 1))
    x1 = int(min(w, np.ceil(corners[:, 0].max()) + 2))
    y1 = int(min(h, np.ceil(corners[:, 1].max()) + 2))
    if x1 <= x0 or y1 <= y0:
        return image
    # crop -> ROI pixels: inverse warp, then shift by the ROI origin.
    to_roi = inv.copy()
    to_roi[:, 2] -= (x0, y0)
    roi_size = (x1 - x0, y1 - y0)
    warped = warp_crop(crop, to_roi, roi_size, resample)
    weight = (mask * edge_fade(size)).astype(np.float32)
    alpha = cv2.warpAffine(weight, to_roi, roi_size, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = np.clip(alpha, 0, 1)[..., None]
    roi = image[y0:y1, x0:x1]
    new = warped.astype(np.float32)
    amount = grain * upscale_share(matrix)
    if amount > 0:
        rng = np.random.default_rng(zlib.crc32(np.ascontiguousarray(crop).tobytes()))
        before = roi if reference is None else reference[y0:y1, x0:x1]
        new = add_grain(new, before, alpha[..., 0], amount, rng)
    blended = roi.astype(np.float32) + alpha * (new - roi.astype(np.float32))
    changed = alpha[..., 0] > 0
    roi[changed] = np.clip(np.rint(blended[changed]), 0, 255).astype(np.uint8)
    return image
