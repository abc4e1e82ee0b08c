"""What a photo contributes to its faces' identity keys (methods/diffusion.py builds the keys)."""

from __future__ import annotations

import hashlib

import numpy as np


def photo_key(image: np.ndarray) -> str:
    """A short content hash of a photo (every 8th pixel): identity keys differ from photo to photo,
    so the first faces of two photos do not get the same random identity draw."""
    small = np.ascontiguousarray(np.asarray(image)[::8, ::8])
    return hashlib.blake2b(small.tobytes() + str(image.shape).encode(), digest_size=8).hexdigest()
