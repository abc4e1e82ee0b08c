"""Skin-tone balance of the training pairs: draw dark-skinned people's faces more often.

The bundled model lightens dark skin (model card, "Skin tone"): of the 284 celeba-wild people it learned
from, 11 have a mean cheek L* under 50 (144 of 4,614 faces, 3 %), so the denoiser has seen few dark-skinned
faces and the ID-VAE draws fake identities near a light-skinned average. `data.tone_balance: a` draws each
anchor face with weight (faces in its person's tone bin)^-a, bins 10 L* wide over the person-mean cheek L*
(face/skin.py, the measure `id2face eval` reports), the heaviest weight at most `data.tone_balance_cap` times
the lightest: 0 is the uniform draw of before, 1 gives every bin the same share until the cap. Both faces of a
pair are the same person, so the partner follows the anchor.
"""

from __future__ import annotations

import numpy as np
import torch

from id2face.face.skin import cheek_lightness
from id2face.training.identity_attributes import person_means

BIN_WIDTH = 10.0
DARK_BELOW = 50.0  # the cheek L* the training log reports the share of draws under


def person_tone(lightness: np.ndarray, identity: np.ndarray) -> np.ndarray:
    """(N,) each face's person-mean cheek L* from every face's own (NaN: cheeks off the crop); a person with
    no readable cheeks gets the median person's."""
    tone = person_means(lightness, identity)
    if not np.isfinite(tone).any():
        raise ValueError("no training face has its cheeks inside the crop: no skin tone to balance")
    _, first = np.unique(identity, return_index=True)
    tone[~np.isfinite(tone)] = np.nanmedian(tone[first])  # the median person's, not the median face's
    return tone


def anchor_weights(tone: np.ndarray, balance: float, cap: float) -> np.ndarray:
    """(N,) draw weights summing to 1: (faces in the tone bin)^-balance, the largest at most cap x the
    least."""
    if balance < 0 or cap < 1:
        raise ValueError(f"tone balance needs balance >= 0 and cap >= 1, got {balance} and {cap}")
    bins = np.floor(np.asarray(tone, np.float64) / BIN_WIDTH).astype(np.int64)
    _, inverse, counts = np.unique(bins, return_inverse=True, return_counts=True)
    w = counts[inverse].astype(np.float64) ** -balance
    w = np.minimum(w, cap * w.min())
    return w / w.sum()


def dark_share(weights: np.ndarray, tone: np.ndarray) -> float:
    """Share of draws whose person-mean cheek L* is under DARK_BELOW."""
    return float(np.asarray(weights)[np.asarray(tone) < DARK_BELOW].sum() / np.sum(weights))


def balance_anchors(dataset, balance: float, cap: float) -> str:
    """Set a FaceDataset's `anchor_weights` (over its pairable faces); returns a line for the training log."""
    idx = dataset.pairable.cpu().numpy()
    # one face at a time: a copy of every crop at once would be ~0.6 GB for 12 k faces of 128 px
    crops, meshes = dataset.crops, dataset.landmarks
    lightness = [cheek_lightness(crops[i].cpu().numpy(), meshes[i].cpu().numpy()) for i in idx]
    tone = person_tone(np.array(lightness), dataset.identity[idx].cpu().numpy())
    w = anchor_weights(tone, balance, cap)
    dataset.anchor_weights = torch.from_numpy(w)
    uniform = np.full(len(idx), 1 / len(idx))
    return (f"tone balance {balance:g} (cap {cap:g}): draws of people with cheek L* < {DARK_BELOW:g} "
            f"{100 * dark_share(uniform, tone):.1f} % -> {100 * dark_share(w, tone):.1f} %")
