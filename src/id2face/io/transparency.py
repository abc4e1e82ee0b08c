"""Transparent photos: faces are replaced in the colour the file holds, and the alpha is kept.

A cut-out portrait or a sticker keeps its transparency in the output (PNG, WebP, TIFF, GIF). Faces are
found and replaced in the file's straight colour, not in how it looks over a page: a face at alpha 7 is
all but invisible, yet its colour is all there for anyone who resets the alpha. The colour stored under
fully transparent pixels is set to black: it is invisible, but an image editor's "erase to transparent"
keeps it, and it can still hold the face that was erased.
"""

from __future__ import annotations

import numpy as np

ALPHA_FORMATS = {"PNG", "WEBP", "TIFF", "GIF"}  # PIL formats whose outputs keep an alpha channel


def over_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 straight RGBA -> (H, W, 3) uint8 RGB as seen over a white page."""
    a = rgba[..., 3:].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def straight(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3) the straight colour of an RGBA picture, black where it is fully transparent."""
    rgb = np.array(rgba[..., :3], dtype=np.uint8, copy=True)
    rgb[rgba[..., 3] == 0] = 0
    return rgb


def join(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(H, W, 4) straight RGBA from a colour picture and an (H, W) alpha, black where it is 0."""
    rgba = np.dstack([np.asarray(rgb, np.uint8), np.asarray(alpha, np.uint8)])
    rgba[rgba[..., 3] == 0, :3] = 0
    return rgba


def has_transparency(rgba: np.ndarray) -> bool:
    return bool((rgba[..., 3] < 255).any())
