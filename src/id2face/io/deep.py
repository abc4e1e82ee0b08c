"""16-bit photos stay 16-bit: a PNG or TIFF with 16 bits per channel (a scan, a raw development, a
scientific camera) is anonymized in 8 bits like every photo, and written back at its own depth.

The output is the input's 16-bit pixels, except in the replaced region (every pixel the anonymized 8-bit
picture changed, closed over small gaps so no pixel of a face keeps its original low bits), which holds the
new 8-bit pixels scaled to 16 bits. Only a PNG or TIFF output keeps the depth; a photo with an ICC profile
(converted to sRGB on reading) or one whose 16-bit and 8-bit pixels disagree is written in 8 bits, as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from id2face.io.grey import GREY_FORMATS, as_grey, grey_source
from id2face.io.images import format_of, save_image, write_atomically

DEEP_SUFFIXES = {".png": ".png", ".tif": ".tiff", ".tiff": ".tiff"}
GAP = 9  # px: the changed pixels are closed over gaps this wide (a new pixel equal to an old one by chance)
AGREE = 1.0  # mean |16-bit / 257 - 8-bit| of unchanged pixels above this: the two readings are not one photo
# PIL's Image.Transpose per EXIF orientation (ImageOps.exif_transpose), as numpy operations on (H, W, ...).
_ORIENT = {
    2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1), 6: lambda a: np.rot90(a, -1),
    7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1], 8: lambda a: np.rot90(a, 1),
}


def read_deep(path: str | os.PathLike) -> np.ndarray | None:
    """The photo's 16-bit pixels, upright: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA uint16; None for
    a photo of 8 bits or fewer, another format, one with an ICC profile, or 16-bit values all under 256."""
    path = Path(path)
    if path.suffix.lower() not in DEEP_SUFFIXES:
        return None
    with Image.open(path) as im:
        if im.info.get("icc_profile") or not _sixteen_bits(im, path):
            return None
        orientation = im.getexif().get(0x0112, 1)
    raw = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.dtype != np.uint16 or raw.ndim not in (2, 3) or raw.max() <= 255:
        return None
    if raw.ndim == 3:
        raw = cv2.cvtColor(raw, cv2.COLOR_BGRA2RGBA if raw.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(_ORIENT.get(orientation, lambda a: a)(raw))


def _sixteen_bits(im: Image.Image, path: Path) -> bool:
    """Whether the file holds 16 bits per channel, from its header (PIL reads 16-bit RGB as 8-bit RGB)."""
    if im.mode.startswith("I;16"):
        return True
    if im.format == "PNG":
        with open(path, "rb") as f:
            return f.read(25)[24] == 16  # IHDR's bit depth
    if im.format == "TIFF":
        bits = im.tag_v2.get(258, (8,))
        return max(bits if isinstance(bits, tuple) else (bits,)) == 16
    return False


def merge_deep(deep: np.ndarray, original: np.ndarray, anonymized: np.ndarray) -> np.ndarray | None:
    """The 16-bit output: `deep` where the 8-bit `anonymized` left the 8-bit `original` as it was, the new
    pixels scaled to 16 bits in the region it changed; None where `deep` is not the photo `original` is."""
    if deep.shape[:2] != original.shape[:2] or original.shape != anonymized.shape:
        return None
    colour = deep if deep.ndim == 2 else deep[..., :3]
    as8 = colour / 257.0
    old8 = original.astype(np.float64) if deep.ndim == 3 else original[..., 0].astype(np.float64)
    region = changed_region(original, anonymized, GAP)
    kept = ~region if deep.ndim == 2 or deep.shape[2] == 3 else ~region & (deep[..., 3] > 0)
    if kept.any() and np.abs(as8 - old8)[kept].mean() > AGREE:
        return None
    new = anonymized if deep.ndim == 3 else cv2.cvtColor(anonymized, cv2.COLOR_RGB2GRAY)
    out = deep.copy()
    target = out if deep.ndim == 2 else out[..., :3]
    target[region] = new[region].astype(np.uint16) * 257
    if deep.ndim == 3 and deep.shape[2] == 4:
        out[deep[..., 3] == 0, :3] = 0  # as io/transparency.join: no erased face kept under alpha 0
    return out


def changed_region(before: np.ndarray, after: np.ndarray, gap: int) -> np.ndarray:
    """(H, W) bool: the pixels where `after` differs from `before` in any channel, closed over gaps `gap`
    px wide, so that a new pixel equal to the old one by chance does not let the old one through."""
    changed = np.any(after != before, axis=-1).astype(np.uint8)
    return cv2.morphologyEx(changed, cv2.MORPH_CLOSE, np.ones((gap, gap), np.uint8)).astype(bool)


def save_photo(anonymized: np.ndarray, original: np.ndarray, src: str | os.PathLike, dst: str | os.PathLike,
               quality: int = 95, alpha: np.ndarray | None = None) -> None:
    """save_image, except that a 16-bit PNG or TIFF photo written as PNG or TIFF keeps its 16 bits, and a
    grey one written as JPEG, PNG or TIFF stays grey (io/grey.py) (`original`: the 8-bit pixels the
    anonymizer was given)."""
    dst = Path(dst)
    fmt = DEEP_SUFFIXES.get(dst.suffix.lower())
    deep = read_deep(src) if fmt else None
    out = merge_deep(deep, original, anonymized) if deep is not None else None
    if out is None:
        grey = as_grey(anonymized) if alpha is None and format_of(dst) in GREY_FORMATS and grey_source(src) \
            else None
        save_image(anonymized if grey is None else grey, dst, quality=quality, alpha=alpha)
        return
    if out.ndim == 3:
        out = cv2.cvtColor(out, cv2.COLOR_RGBA2BGRA if out.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(fmt, out)  # pixels only: none of the input's metadata
    if not ok:
        raise OSError(f"{dst}: could not encode a 16-bit {fmt[1:].upper()}")
    write_atomically(dst, lambda f: f.write(data.tobytes()))
