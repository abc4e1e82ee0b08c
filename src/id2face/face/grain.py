"""Give a generated face the fine grain of the photo it goes into.

A 128-px face scaled up to a 300-px one, or a diffusion model's smooth skin, lacks the sensor noise and
fine texture of the photo around it and reads as pasted in. The original face's fine-grain level (a robust
spread of its high-pass, measured where the new face will be) and the new face's are compared, and the
missing part is added as luma noise at the photo's own pixel scale. Only that one number is taken from the
original face: no shape, no texture, no identity.
"""

from __future__ import annotations

import cv2
import numpy as np

HIGHPASS_SIGMA = 1.0  # pixels of the photo: what counts as fine grain
MAX_ADDED = 10.0  # grey levels: a busy original (stubble, a textured mask) is not copied as loud noise
MIN_PIXELS = 64  # fewer measured pixels give no reliable level: nothing is added


def _highpass(luma: np.ndarray) -> np.ndarray:
    return luma - cv2.GaussianBlur(luma, (0, 0), HIGHPASS_SIGMA)


def _noise_gain() -> float:
    """The high-pass's output spread for unit white noise (so a measured spread converts to noise)."""
    delta = np.zeros((15, 15), np.float32)
    delta[7, 7] = 1.0
    return float(np.sqrt((_highpass(delta) ** 2).sum()))


NOISE_GAIN = _noise_gain()


def grain_level(luma: np.ndarray, where: np.ndarray) -> float:
    """Robust spread (grey levels) of `luma`'s fine grain over the pixels in `where`: the median absolute
    high-pass scaled to a standard deviation, so that edges (eyes, the face's outline) barely count."""
    hp = _highpass(luma.astype(np.float32))[where]
    return float(1.4826 * np.median(np.abs(hp))) if hp.size else 0.0


def add_grain(new: np.ndarray, original: np.ndarray, alpha: np.ndarray, amount: float,
              rng: np.random.Generator) -> np.ndarray:
    """`new` (H, W, 3 float32, the warped face over the photo region `original`) with the missing grain added.

    alpha: (H, W) paste weight; the level is measured where it is ~1 (the face as a whole), the noise is
    added everywhere and faded by the paste itself. amount: 0 adds nothing, 1 the whole missing level.
    """
    inside = alpha > 0.98
    if amount <= 0 or inside.sum() < MIN_PIXELS:
        return new
    luma_weights = np.array([0.299, 0.587, 0.114], np.float32)
    level_old = grain_level(original.astype(np.float32) @ luma_weights, inside)
    level_new = grain_level(new @ luma_weights, inside)
    missing = np.sqrt(max(level_old**2 - level_new**2, 0.0)) / NOISE_GAIN
    sigma = min(amount * missing, MAX_ADDED)
    if sigma < 0.25:  # under a quarter of a grey level: invisible, and rounding would eat it
        return new
    noise = rng.standard_normal(new.shape[:2], dtype=np.float32) * sigma
    return new + noise[..., None]
