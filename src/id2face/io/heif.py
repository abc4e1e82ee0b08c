"""HEIC/HEIF photos (phones' default format) through the optional pillow-heif package.

pillow-heif's wheels carry libheif and its codecs (some under the LGPL/GPL), so it is an extra
(`pip install "id2face[heif]"`), not a dependency. Without it a HEIC photo fails with one line that
says what to install: a folder of phone photos is never skipped in silence.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

HEIF_EXTENSIONS = {".heic", ".heif"}
MISSING = "HEIC/HEIF photos need the pillow-heif package: pip install pillow-heif (or id2face[heif])"


def is_heif(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in HEIF_EXTENSIONS


@cache
def heif_ready() -> bool:
    """Whether PIL reads and writes HEIF (pillow-heif registered once per process)."""
    try:
        import pillow_heif  # optional: the `heif` extra
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True
