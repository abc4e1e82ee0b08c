"""Transparency of uploads: an RGBA PNG comes back with its alpha channel, not flattened on white.

The Anonymizer works on RGB (alpha composited on white, as for files); the alpha plane is read
here from the upload (upright, like the pixels) and put back on the result. The result is still a
fresh image built from pixels alone, so no metadata of the upload survives.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

KEEPS_ALPHA = ("PNG", "WEBP")


def read_alpha(data: bytes) -> np.ndarray | None:
    """The upload's alpha plane (uint8, upright), or None when it has none or it is fully opaque."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.mode not in ("RGBA", "LA", "PA") and not (im.mode == "P" and "transparency" in im.info):
                return None
            alpha = np.asarray(ImageOps.exif_transpose(im.convert("RGBA")))[..., 3].copy()
    except Exception:  # noqa: BLE001 - the pixels were decoded already; no alpha is the safe answer
        return None
    return None if alpha.min() == 255 else alpha


def encode_rgba(rgb: np.ndarray, alpha: np.ndarray, fmt: str) -> bytes:
    """RGB pixels plus an alpha plane -> PNG/WebP bytes with no metadata."""
    rgba = np.concatenate([np.asarray(rgb, np.uint8), np.asarray(alpha, np.uint8)[..., None]], axis=2)
    buf = io.BytesIO()
    kwargs = {"lossless": True} if fmt == "WEBP" else {}
    Image.fromarray(np.ascontiguousarray(rgba), mode="RGBA").save(buf, format=fmt, **kwargs)
    return buf.getvalue()
