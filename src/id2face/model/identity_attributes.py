"""How old and which gender a recognizer embedding looks, so that a fake identity can match its face.

OIM draws the fake identity orthogonal to the source in the ID-VAE latent, and of a few candidates the one
least like the source is kept (model/fake_identity.py). Gender and age are among the strongest directions of
a recognizer's space, so "least like the source" mostly meant the other gender and an older face: on the 193
held-out test photos 72 % of the new faces were judged the other gender by faceres (a woman's hair, neck and
body with a man's face) and 6 years older on average. The new face must be someone else, not something else.

`IdentityAttributes` holds two linear read-outs of a unit recognizer embedding: a logistic one for gender
and a ridge one for age, fitted on the training faces by training/identity_attributes.py. `attribute_rank`
orders a face's candidates: first those of the source's gender (where its gender is clear), then those
within `age_tolerance` years, and only among equals the least like the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from id2face.io.map_files import load_map, save_map

from .read_outs import design, load_model_map, read_linear, ridge_read_out

FILE = "identity_attributes.safetensors"  # its name in a model folder
FORMAT = "id2face-identity-attributes/1"
CLEAR_GENDER = 1.0  # |logit| above this (p < 0.27 or > 0.73): the source's gender is kept
DEFAULT_AGE_TOLERANCE = 10.0  # years


@dataclass(frozen=True)
class IdentityAttributes:
    """p(male) = sigmoid(e @ gender_w + gender_b) and age = e @ age_w + age_b, for unit embeddings e."""

    gender_w: np.ndarray  # (D,)
    gender_b: float
    age_w: np.ndarray  # (D,)
    age_b: float
    recognizer: str
    age_tolerance: float = DEFAULT_AGE_TOLERANCE

    def read(self, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(..., D) embeddings -> gender logits (> 0: male) and ages in years, each (...)."""
        return read_linear(e, self.gender_w, self.gender_b), read_linear(e, self.age_w, self.age_b)

    def mismatch(self, e_src: torch.Tensor, candidates: torch.Tensor,
                 age: bool | torch.Tensor = True) -> torch.Tensor:
        """(N, K) how far each candidate is from its source's look: 2 for the other gender (a source whose
        gender is clear), plus 1 for an age more than `age_tolerance` years away (where `age`: for all faces,
        or an (N,) bool per face); 0: a match."""
        g_src, a_src = self.read(e_src)
        g, a = self.read(candidates)
        clear = g_src.abs() > CLEAR_GENDER
        other = 2.0 * (clear[:, None] & (torch.sign(g) != torch.sign(g_src)[:, None])).float()
        counted = torch.as_tensor(age, device=a.device).reshape(-1, 1)
        return other + (((a - a_src[:, None]).abs() > self.age_tolerance) & counted).float()

    def save(self, path: str | Path) -> Path:
        arrays = {"gender_w": self.gender_w, "gender_b": np.array([self.gender_b]),
                  "age_w": self.age_w, "age_b": np.array([self.age_b])}
        return save_map(path, arrays, FORMAT, recognizer=self.recognizer,
                        age_tolerance=repr(float(self.age_tolerance)))

    @classmethod
    def load(cls, path: str | Path) -> IdentityAttributes:
        keys = ("gender_w", "gender_b", "age_w", "age_b")
        a, meta = load_map(path, FORMAT, keys, "identity-attributes map")
        d = a["gender_w"].shape
        if len(d) != 1 or a["age_w"].shape != d or a["gender_b"].shape != (1,) or a["age_b"].shape != (1,) \
                or not all(np.isfinite(v).all() for v in a.values()):
            raise ValueError(f"{path}: arrays of the wrong shape or not finite")
        tolerance = float(meta.get("age_tolerance", DEFAULT_AGE_TOLERANCE))
        if not tolerance > 0:
            raise ValueError(f"{path}: age_tolerance must be positive, not {tolerance}")
        return cls(a["gender_w"], float(a["gender_b"][0]), a["age_w"], float(a["age_b"][0]),
                   meta.get("recognizer", ""), tolerance)


def attribute_rank(similarity: torch.Tensor, mismatch: torch.Tensor | None) -> torch.Tensor:
    """(N,) the candidate to keep per face: the fewest attribute mismatches, then the least like the source.
    `similarity` (N, K) cosines to the source (in [-1, 1], so a mismatch step of 3 outweighs any of them)."""
    return (similarity if mismatch is None else similarity + 3.0 * mismatch).argmin(dim=1)


def fit_identity_attributes(embeddings: np.ndarray, male: np.ndarray, age: np.ndarray, recognizer: str,
                            ridge: float = 1.0, age_tolerance: float = DEFAULT_AGE_TOLERANCE
                            ) -> IdentityAttributes:
    """Fit both read-outs. male: (N,) labels in [0, 1] (soft: a person's mean judged probability), age: (N,)
    years. Logistic regression by Newton steps and ridge regression, both with an L2 penalty `ridge`."""
    xb, pattern = design(embeddings)
    d = xb.shape[1] - 1
    penalty = ridge * pattern
    y = np.clip(np.asarray(male, np.float64), 0.0, 1.0)
    w = np.zeros(d + 1)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + penalty @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    age_w, age_b = ridge_read_out(embeddings, age, ridge)
    return IdentityAttributes(w[:d], float(w[d]), age_w, age_b, recognizer, float(age_tolerance))


def load_identity_attributes(model_dir: str | Path, recognizer: str | None = None
                             ) -> IdentityAttributes | None:
    """A model folder's map (FILE), or None when it has none (models exported before it). A map fitted on
    another recognizer's embeddings than `recognizer` (the model's) reads nonsense and is refused."""
    return load_model_map(model_dir, FILE, IdentityAttributes.load, recognizer,
                          "id2face.training.identity_attributes")
