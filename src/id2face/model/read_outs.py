"""Linear read-outs of recognizer embeddings (gender, age, skin tone), shared by their maps: the design
matrix of unit embeddings, the ridge fit, reading one out, and loading a model's map fitted on its own
recognizer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
import torch.nn.functional as F

Map = TypeVar("Map")


def read_linear(e: torch.Tensor, w: np.ndarray, b: float) -> torch.Tensor:
    """(..., D) embeddings -> (...) values of the read-out e @ w + b, on unit embeddings (as fitted)."""
    u = F.normalize(e.float(), dim=-1)
    return u @ torch.as_tensor(w, dtype=u.dtype, device=u.device) + b


def design(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, D + 1) unit embeddings with a column of ones, and the (D + 1)² penalty pattern (the intercept is
    not shrunk)."""
    x = np.asarray(embeddings, np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    n, d = x.shape
    pattern = np.eye(d + 1)
    pattern[d, d] = 0.0
    return np.concatenate([x, np.ones((n, 1))], 1), pattern


def ridge_read_out(embeddings: np.ndarray, targets: np.ndarray, ridge: float = 1.0
                   ) -> tuple[np.ndarray, float]:
    """Weights (D,) and intercept of the ridge regression of `targets` (N,) on the unit embeddings."""
    xb, pattern = design(embeddings)
    v = np.linalg.solve(xb.T @ xb + ridge * pattern, xb.T @ np.asarray(targets, np.float64))
    return v[:-1], float(v[-1])


def load_model_map(model_dir: str | Path, file: str, load: Callable[[Path], Map], recognizer: str | None,
                   tool: str) -> Map | None:
    """A model folder's map `file` read by `load`, or None when the folder has none (models exported before
    it). One fitted on another recognizer's embeddings than `recognizer` (the model's) would read nonsense and
    is refused, naming the `tool` that fits it again."""
    path = Path(model_dir) / file
    if not path.is_file():
        return None
    found = load(path)
    if recognizer is not None and found.recognizer != recognizer:
        raise ValueError(f"{path} was fitted on {found.recognizer!r} embeddings, the model's recognizer is "
                         f"{recognizer!r}; fit it again with python -m {tool}")
    return found
