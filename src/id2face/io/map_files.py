"""Small fitted maps that ship beside a model's weights (face shape, points to mesh, identity attributes):
float32 safetensors with a format tag, so that one map's file is never read as another's."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def save_map(path: str | Path, arrays: dict[str, np.ndarray], fmt: str, **metadata: str) -> Path:
    """Write `arrays` (as float32) with `fmt` and `metadata` (strings) in the file's header."""
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v, np.float32) for k, v in arrays.items()}, str(path),
              metadata={**metadata, "format": fmt})
    return Path(path)


def load_map(path: str | Path, fmt: str, keys: tuple[str, ...], what: str
             ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays `keys` (as float64) and the header of a map file; a file of another format is a ValueError
    naming `what` it is not."""
    from safetensors import safe_open

    with safe_open(str(path), "numpy") as f:
        meta = f.metadata() or {}
        if meta.get("format") != fmt:
            raise ValueError(f"{path}: not an id2face {what}")
        return {k: f.get_tensor(k).astype(np.float64) for k in keys}, meta
