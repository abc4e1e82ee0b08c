"""Grey photos stay grey: a black-and-white scan, a 1-bit fax or an 8-bit greyscale archive is read as
grey RGB (every method works in RGB) and written back as one grey channel, a third of the bytes, as its
source was, where the anonymized picture is still grey. The new faces of a drawing method carry a trace
of colour (a few levels); a picture a method coloured on purpose (a coloured box) stays RGB."""

from __future__ import annotations

import os

import cv2
import numpy as np
from PIL import Image

GREY_MODES = ("1", "L")  # PIL modes of a grey source without alpha (16-bit grey goes through io/deep.py)
GREY_FORMATS = ("JPEG", "PNG", "TIFF")  # outputs that hold one 8-bit grey channel as it is
CHROMA = 16  # most a pixel's channels may differ (levels) for the picture to count as grey


def grey_source(path: str | os.PathLike) -> bool:
    """Whether the photo file at `path` holds grey pixels only (read from its header)."""
    try:
        with Image.open(path) as im:
            return im.mode in GREY_MODES
    except (OSError, ValueError):
        return False


def as_grey(image: np.ndarray) -> np.ndarray | None:
    """(H, W) luma of an RGB picture whose channels nowhere differ by more than CHROMA; None otherwise.
    A pixel with equal channels keeps its value."""
    wide = image.astype(np.int16)
    if int((wide.max(axis=-1) - wide.min(axis=-1)).max(initial=0)) > CHROMA:
        return None
    return cv2.cvtColor(np.ascontiguousarray(image, np.uint8), cv2.COLOR_RGB2GRAY)
