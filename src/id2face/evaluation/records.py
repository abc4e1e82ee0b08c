"""What one photo gave for one evaluation run, as cached in OUTPUT/cache/<variant>/seed<k>/<photo>.npz.

Kept apart from the runner (which loads models) so that reports can be read and compared without torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class PhotoRecord:
    """What one photo gave for one run: per original face, in the original faces' order."""

    boxes: np.ndarray  # (F, 4) original boxes
    detected: np.ndarray  # (F,) still detected on the result
    meshes: np.ndarray  # (F, 478, 3) mesh on the result (or the original, for the originals)
    has_mesh: np.ndarray  # (F,)
    embeddings: dict[str, np.ndarray]  # recognizer -> (F, D), rows of undetected faces are zero
    crops: np.ndarray  # (F, S, S, 3)
    psnr: float = float("nan")
    ssim: float = float("nan")
    fallbacks: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    # (F,) of the originals: faces the front-end was unsure of, which the anonymizer blurs rather than draws
    # (None in records cached before it was kept)
    unsure: np.ndarray | None = None

    def save(self, path: Path) -> None:
        arrays = {"boxes": self.boxes, "detected": self.detected, "meshes": self.meshes,
                  "has_mesh": self.has_mesh, "crops": self.crops,
                  "scalars": np.array([self.psnr, self.ssim, self.fallbacks, self.seconds])}
        arrays.update({f"emb_{k}": v for k, v in self.embeddings.items()})
        if self.unsure is not None:
            arrays["unsure"] = self.unsure
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PhotoRecord:
        z = np.load(path, allow_pickle=False)
        s = z["scalars"]
        return cls(z["boxes"], z["detected"], z["meshes"], z["has_mesh"],
                   {k[4:]: z[k] for k in z.files if k.startswith("emb_")}, z["crops"],
                   float(s[0]), float(s[1]), int(s[2]), float(s[3]),
                   unsure=z["unsure"] if "unsure" in z.files else None)
