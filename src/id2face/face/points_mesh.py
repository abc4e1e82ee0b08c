"""A face mesh estimated from five points, for faces the mesh model did not find.

A face replaced on its five points (face/fallback.py "points": a profile, a half-hidden, defocused or tiny
face) has no mesh, so a model trained on meshed faces would get a template ellipse for its region and no
geometry maps: inputs it never saw in training, and the faces it drew there looked like no one. Once the
crop is aligned on the five points, where those points still sit (the nose off the eyes' middle in a
turned face, a short or long chin-to-eye drop) says much of the face's shape: a linear map from the five
aligned points to the 478 mesh points, fitted on meshed training faces, puts the mesh back within about
a pixel of a 128-px crop from the mesh's own five points, and within about two (median, held-out faces;
the average face's shape alone: three) from the detector's, when it is fitted on those
(training/points_mesh.py --detector-points). The map is fitted in units of the crop side, so one map
serves every crop size of its template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from id2face.face.landmarks import MESH_KEYPOINTS5
from id2face.io.map_files import load_map, save_map

FILE = "points_mesh.safetensors"  # its name in a model folder
NUM_POINTS = 478
MIN_MESHES = 20  # fewer faces than this fit no map


@dataclass(frozen=True)
class PointsMesh:
    """mesh = mesh_mean + (points - points_mean) @ weights, all in units of the crop side."""

    weights: np.ndarray  # (10, 956)
    points_mean: np.ndarray  # (10,) five aligned points, x and y interleaved
    mesh_mean: np.ndarray  # (956,)
    template: str  # the crop template the points were aligned to

    def predict(self, points5: np.ndarray, size: int) -> np.ndarray:
        """(478, 2) mesh points in crop pixels from the face's (5, 2) points in crop pixels."""
        p = np.asarray(points5, np.float64).reshape(-1) / size
        if p.shape != (10,) or not np.isfinite(p).all():
            raise ValueError(f"expected five finite (x, y) points, got {np.asarray(points5).shape}")
        return ((p - self.points_mean) @ self.weights + self.mesh_mean).reshape(NUM_POINTS, 2) * size

    def save(self, path: str | Path) -> Path:
        arrays = {"weights": self.weights, "points_mean": self.points_mean, "mesh_mean": self.mesh_mean}
        return save_map(path, arrays, "id2face-points-mesh/1", template=self.template)

    @classmethod
    def load(cls, path: str | Path) -> PointsMesh:
        arrays, meta = load_map(path, "id2face-points-mesh/1", ("weights", "points_mean", "mesh_mean"),
                                "points-to-mesh map")
        if arrays["weights"].shape != (10, 2 * NUM_POINTS):
            raise ValueError(f"{path}: weights of shape {arrays['weights'].shape}, expected (10, 956)")
        return cls(template=meta.get("template", ""), **arrays)


def fit_points_mesh(meshes: np.ndarray, size: int, template: str, ridge: float = 1e-3,
                    points: np.ndarray | None = None) -> PointsMesh:
    """Fit the map on (N, 478, 2) meshes in crop pixels of faces aligned to `template` at `size`.

    `points`: (N, 5, 2) the five points each crop was aligned on, in the same pixels: best the detector's
    own, the points a face without a mesh has (training.points_mesh.detector_pairs); None: each mesh's own
    five points (MESH_KEYPOINTS5: iris centres, nose tip, mouth corners). `ridge` (a share of the inputs'
    mean variance) keeps the map steady where points are noisy."""
    y = np.asarray(meshes, np.float64)[..., :2] / size
    if y.ndim != 3 or y.shape[1:] != (NUM_POINTS, 2) or len(y) < MIN_MESHES:
        raise ValueError(f"need at least {MIN_MESHES} meshes of (478, 2), got {np.asarray(meshes).shape}")
    if points is None:
        x = y[:, list(MESH_KEYPOINTS5)].reshape(len(y), -1)
    else:
        x = np.asarray(points, np.float64).reshape(len(y), 10) / size
    y = y.reshape(len(y), -1)
    xm, ym = x.mean(0), y.mean(0)
    xc, yc = x - xm, y - ym
    gram = xc.T @ xc + ridge * len(xc) * max(xc.var(0).mean(), 1e-12) * np.eye(xc.shape[1])
    return PointsMesh(np.linalg.solve(gram, xc.T @ yc), xm, ym, template)


def load_points_mesh(model_dir: str | Path) -> PointsMesh | None:
    """A model folder's map (FILE), or None when it has none (models exported before 2026-11-29)."""
    path = Path(model_dir) / FILE
    return PointsMesh.load(path) if path.is_file() else None
