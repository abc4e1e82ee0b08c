"""Publishing a finished temporary file: the one step every atomic writer ends with."""

from __future__ import annotations

import os
from pathlib import Path


def publish(tmp: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Give `tmp` the usual permissions (mkstemp makes 0600) and rename it over `dst` atomically."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, Path(dst))
