"""The skin tone a recognizer embedding looks, so that a fake identity can take its face's tone.

The fake identity decides the new face's skin tone, and the ID-VAE draws fake identities near the average
face of its training data, mostly light-skinned: on the 193 held-out test photos the darkest fifth of the
faces came out 9 L* lighter (40.7 -> 49.8), a light face above a dark neck and hands. Choosing among the
identity candidates by tone cannot mend it, since every candidate reads light.

`SkinTone` holds a ridge read-out of the cheeks' lightness (CIE L*) from a unit embedding, fitted on the
training faces by training/skin_tone.py, and the direction a fake identity is moved along: the read-out's
own, less its part along the gender read-out (so the move does not change the gender the identity looks).
`matched` moves each fake identity along it until its read tone is `gain` of the way to its source's: the
read-out sees only part of a tone (it pulls people toward the mean), so a gain above 1 is what brings a new
face near its source's tone. The model records the gain it was tuned with (training.json "skin_tone").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from id2face.io.map_files import load_map, save_map

from .read_outs import load_model_map, read_linear, ridge_read_out

FILE = "skin_tone.safetensors"  # its name in a model folder
FORMAT = "id2face-skin-tone/1"
MAX_TURN = 1.0  # radians: the most a fake identity turns (toward `direction`), so a wild tone stays a face


@dataclass(frozen=True)
class SkinTone:
    """L* = e @ w + b for unit embeddings e; fake identities move along `direction` (unit, w . it > 0)."""

    w: np.ndarray  # (D,)
    b: float
    direction: np.ndarray  # (D,)
    recognizer: str

    def read(self, e: torch.Tensor) -> torch.Tensor:
        """(..., D) embeddings -> the L* they look, (...)."""
        return read_linear(e, self.w, self.b)

    def matched(self, fake: torch.Tensor, source: torch.Tensor, gain: float | torch.Tensor) -> torch.Tensor:
        """(N, D) fake identities turned toward `direction` (in the plane of each and `direction`; norms and
        dtype kept) until each reads `gain` of the way from its own tone to its source's (0: unchanged, 1: the
        source's read tone), or as near as that plane allows, turning at most MAX_TURN. `gain`: 1 or (N,)."""
        u = F.normalize(fake.float(), dim=-1)
        w = torch.as_tensor(self.w, dtype=u.dtype, device=u.device)
        d = torch.as_tensor(self.direction, dtype=u.dtype, device=u.device)
        g = torch.as_tensor(gain, dtype=u.dtype, device=u.device).reshape(-1)
        own = self.read(u)
        target = own + g * (self.read(source) - own) - self.b
        side = d - (u @ d)[:, None] * u  # the plane's second axis, orthogonal to u
        apart = side.norm(dim=-1)
        side = side / apart.clamp_min(1e-12)[:, None]
        # the read along the plane's unit circle, cos(t) u + sin(t) side, is r cos(t - phi)
        a, b = u @ w, side @ w
        r, phi = torch.hypot(a, b), torch.atan2(b, a)
        delta = torch.arccos((target / r.clamp_min(1e-12)).clamp(-1.0, 1.0))
        turns = torch.stack([phi - delta, phi + delta])
        turns = torch.remainder(turns + torch.pi, 2 * torch.pi) - torch.pi  # into (-pi, pi]
        t = turns.gather(0, turns.abs().argmin(0, keepdim=True))[0].clamp(-MAX_TURN, MAX_TURN)
        t = torch.where((apart > 1e-6) & (g != 0), t, torch.zeros_like(t))
        v = torch.cos(t)[:, None] * u + torch.sin(t)[:, None] * side
        return (v * fake.float().norm(dim=-1, keepdim=True)).to(fake.dtype)

    def save(self, path: str | Path) -> Path:
        arrays = {"w": self.w, "b": np.array([self.b]), "direction": self.direction}
        return save_map(path, arrays, FORMAT, recognizer=self.recognizer)

    @classmethod
    def load(cls, path: str | Path) -> SkinTone:
        a, meta = load_map(path, FORMAT, ("w", "b", "direction"), "skin-tone map")
        d = a["w"].shape
        finite = all(np.isfinite(v).all() for v in a.values())
        if len(d) != 1 or a["direction"].shape != d or a["b"].shape != (1,) or not finite \
                or not np.dot(a["w"], a["direction"]) > 0:
            raise ValueError(f"{path}: arrays of the wrong shape, not finite, or a direction against w")
        return cls(a["w"], float(a["b"][0]), a["direction"], meta.get("recognizer", ""))


def fit_skin_tone(embeddings: np.ndarray, lightness: np.ndarray, recognizer: str,
                  gender_w: np.ndarray | None = None, ridge: float = 1.0) -> SkinTone:
    """Ridge read-out of `lightness` (N,) L* from (N, D) embeddings (normalised here), and its direction less
    its part along `gender_w` (the identity-attributes gender read-out, when there is one)."""
    w, b = ridge_read_out(embeddings, lightness, ridge)
    direction = w.copy()
    if gender_w is not None:
        g = np.asarray(gender_w, np.float64) / max(float(np.linalg.norm(gender_w)), 1e-12)
        direction -= direction @ g * g
    return SkinTone(w, b, direction / max(float(np.linalg.norm(direction)), 1e-12), recognizer)


def load_skin_tone(model_dir: str | Path, recognizer: str | None = None) -> SkinTone | None:
    """A model folder's map (FILE), or None when it has none. One fitted on another recognizer's embeddings
    than `recognizer` (the model's) is refused."""
    return load_model_map(model_dir, FILE, SkinTone.load, recognizer, "id2face.training.skin_tone")
