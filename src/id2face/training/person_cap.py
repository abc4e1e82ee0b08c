"""Cap how much of the training draws one person takes.

Anchor faces are drawn uniformly over the faces that have a partner, so a person with many photos is drawn
in proportion: in the lfw part of the third burst one man had 311 of 2,464 faces (4 % of all its draws, eight
times any celeba-wild person's), and a model that sees a few people that often learns to draw them, which the
evaluation's training-identity check counts against it. `data.person_cap: K` draws each face of a person with
n faces with weight min(1, K / n): a person with more than K faces is drawn as often as one with K, each of
their photos in turn. Combined with a skin-tone balance (training/tone_balance.py) by multiplying the weights.
"""

from __future__ import annotations

import numpy as np
import torch

from id2face.training.tone_balance import balance_anchors


def person_cap_weights(identity: np.ndarray, cap: int) -> np.ndarray:
    """(N,) draw weights summing to 1: min(1, cap / faces of the person) for every face."""
    if cap < 1:
        raise ValueError(f"person cap needs cap >= 1, got {cap}")
    _, inverse, counts = np.unique(np.asarray(identity), return_inverse=True, return_counts=True)
    w = np.minimum(1.0, cap / counts[inverse].astype(np.float64))
    return w / w.sum()


def top_share(weights: np.ndarray, identity: np.ndarray) -> float:
    """The largest share of draws one person takes."""
    _, inverse = np.unique(np.asarray(identity), return_inverse=True)
    return float(np.bincount(inverse, weights=np.asarray(weights, np.float64)).max() / np.sum(weights))


def cap_people(dataset, cap: int) -> str:
    """Cap a FaceDataset's `anchor_weights` (over its pairable faces; multiplied into weights already set);
    returns a line for the training log."""
    identity = dataset.identity[dataset.pairable].cpu().numpy()
    before = (np.full(len(identity), 1 / len(identity)) if dataset.anchor_weights is None
              else dataset.anchor_weights.cpu().numpy().astype(np.float64))
    w = before * person_cap_weights(identity, cap)
    w /= w.sum()
    dataset.anchor_weights = torch.from_numpy(w)
    _, counts = np.unique(identity, return_counts=True)
    return (f"person cap {cap}: {int((counts > cap).sum())} people above it; the most-drawn person "
            f"{100 * top_share(before, identity):.1f} % -> {100 * top_share(w, identity):.1f} % of draws")


def weigh_anchors(dataset, data) -> list[str]:
    """The anchor draw a DataConfig asks for: the skin-tone balance, then the person cap multiplied into it
    (neither: the uniform draw). Returns their lines for the training log."""
    lines = []
    if data.tone_balance > 0:
        lines.append(balance_anchors(dataset, data.tone_balance, data.tone_balance_cap))
    if data.person_cap > 0:
        lines.append(cap_people(dataset, data.person_cap))
    return lines
