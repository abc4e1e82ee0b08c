"""The face's own shape, taken out of the geometry the model is given, and a drawn one put in.

The geometry maps tell the denoiser where the face's parts are, so that pose, expression and gaze stay. But
the same mesh also carries the person's face shape (a long chin, wide-set eyes, a narrow jaw), and a
recognizer reads that shape: two seeds of one face then share it and look like one person, and the new face
keeps some of the old one's build. With identity labels the two can be told apart: along some directions of
mesh shape, photos of different people differ far more than photos of one person do (a linear
discriminant, fitted on the training faces' meshes by training/face_shape.py). Along those directions a
face's position is mostly who it is; along the rest, mostly how it is held and what it does.

`FaceShape.redraw` moves a mesh along those directions only: its estimated own-identity part is taken out
and a shape drawn from the training people's spread (seeded by the face's identity key, so one fake person
keeps one shape) is put in, with the smallest change to the rest of the mesh that the training faces' spread
allows. The region that is replaced is still built from the real mesh: only what the model is asked to draw
changes. The map is stored in units of the crop side, so one file serves every crop size of its template.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from id2face.io.map_files import load_map, save_map

FILE = "face_shape.safetensors"  # its name in a model folder
FORMAT = "id2face-face-shape/1"
NUM_POINTS = 478
MAX_DRAW = 2.5  # a drawn shape stays within this many of the training people's standard deviations


def key_rng(key: str) -> np.random.Generator:
    """A generator fixed by a face's identity key (so one fake person keeps one face shape)."""
    digest = hashlib.sha256(f"{key}:shape".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@dataclass(frozen=True)
class FaceShape:
    """coords = (mesh / size - mean) @ directions.T; a change dc of them moves the mesh by dc @ lift.

    Along each direction the within-person spread is 1 and the spread between people `ratios` (their
    variance ratio, all above the fit's threshold)."""

    mean: np.ndarray  # (956,) x and y interleaved, units of the crop side
    directions: np.ndarray  # (K, 956)
    lift: np.ndarray  # (K, 956)
    ratios: np.ndarray  # (K,) between-person over within-person variance
    template: str

    def coords(self, mesh: np.ndarray, size: int) -> np.ndarray:
        """(K,) the mesh's position along the identity directions."""
        x = np.asarray(mesh, np.float64)[:, :2].reshape(-1) / size
        return (x - self.mean) @ self.directions.T

    def draw(self, rng: np.random.Generator, spread: float = 1.0) -> np.ndarray:
        """(K,) one new person's shape: `spread` times the training people's spread, cut at MAX_DRAW of it."""
        z = np.clip(rng.standard_normal(len(self.ratios)), -MAX_DRAW, MAX_DRAW)
        return z * np.sqrt(self.ratios) * float(spread)

    def redraw(self, mesh: np.ndarray, size: int, target: np.ndarray, amount: float = 1.0,
               depth: np.ndarray | None = None) -> np.ndarray:
        """(478, 2) mesh in crop pixels with `amount` (0 to 1) of its own-identity shape replaced by `target`.

        A single face's coordinates mix who it is with how it looks in this photo; the part of them expected
        to be the person's (ratio / (ratio + 1) of each: the between-person share) is what is replaced. The
        change is then freed of anything the head's pose would explain (`pose_patterns`; yaw and pitch only
        with the mesh's `depth`, (478,) in crop pixels), so the pose read from the new points stays."""
        mesh = np.asarray(mesh, np.float64)[:, :2]
        if mesh.shape != (NUM_POINTS, 2) or not np.isfinite(mesh).all():
            raise ValueError(f"expected a finite ({NUM_POINTS}, 2) mesh, got {mesh.shape}")
        c = self.coords(mesh, size)
        own = c * self.ratios / (self.ratios + 1.0)
        change = (float(amount) * (np.asarray(target, np.float64) - own)) @ self.lift * size
        pose = pose_patterns(mesh, depth)
        change -= pose @ np.linalg.lstsq(pose, change, rcond=None)[0]
        return mesh + change.reshape(NUM_POINTS, 2)

    def save(self, path: str | Path) -> Path:
        arrays = {"mean": self.mean, "directions": self.directions, "lift": self.lift, "ratios": self.ratios}
        return save_map(path, arrays, FORMAT, template=self.template)

    @classmethod
    def load(cls, path: str | Path) -> FaceShape:
        a, meta = load_map(path, FORMAT, ("mean", "directions", "lift", "ratios"), "face-shape map")
        k = len(a["ratios"])
        if a["mean"].shape != (2 * NUM_POINTS,) or a["directions"].shape != (k, 2 * NUM_POINTS) \
                or a["lift"].shape != (k, 2 * NUM_POINTS) or not (a["ratios"] > 0).all():
            raise ValueError(f"{path}: arrays of the wrong shape or ratios not positive")
        return cls(template=meta.get("template", ""), **a)


def pose_patterns(mesh: np.ndarray, depth: np.ndarray | None = None) -> np.ndarray:
    """(956, 4 or 6) how the (478, 2) points move for a small shift (x, y), scale and roll of the head, and,
    given each point's depth, yaw and pitch: a change orthogonal to all of them leaves the pose that a
    perspective fit (solvePnP) reads from the points unchanged, to first order."""
    points = np.asarray(mesh, np.float64)[:, :2]
    c = points - points.mean(0)
    one, zero = np.ones(len(c)), np.zeros(len(c))
    moves = [(one, zero), (zero, one), (c[:, 0], c[:, 1]), (-c[:, 1], c[:, 0])]
    if depth is not None and np.isfinite(depth).all():
        z = np.asarray(depth, np.float64) - np.mean(depth)
        moves += [(z, zero), (zero, -z)]  # yaw moves points sideways by their depth, pitch up or down
    return np.stack([np.column_stack(m).reshape(-1) for m in moves], 1)


def fit_face_shape(meshes: np.ndarray, identities: np.ndarray, size: int, template: str,
                   components: int = 40, min_ratio: float = 0.2, max_directions: int = 32) -> FaceShape:
    """Fit on (N, 478, 2) crop-pixel meshes of faces aligned to `template` at `size`, and their people.

    The meshes are first reduced to their `components` main modes (PCA; at most one fewer than the people
    with two or more faces); there, the directions where the
    variance between people is at least `min_ratio` of the variance within one person (the between-person
    scatter corrected for the noise of few photos per person) are kept, the strongest first."""
    from scipy.linalg import eigh

    x = np.asarray(meshes, np.float64)[..., :2].reshape(len(meshes), -1) / size
    ids = np.asarray(identities)
    if x.shape[1] != 2 * NUM_POINTS or len(ids) != len(x):
        raise ValueError(f"need (N, {NUM_POINTS}, 2) meshes and N identities, got {np.shape(meshes)} and "
                         f"{ids.shape}")
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    repeated = counts[inverse] >= 2  # a person seen once says nothing of the spread within one person
    people = int((counts >= 2).sum())
    if people < 3:
        raise ValueError(f"need at least 3 people with two or more faces, got {people}")
    components = min(components, people - 1)  # people's means span no more than this
    mean = x.mean(0)
    basis = np.linalg.svd(x - mean, full_matrices=False)[2][:components]  # (P, 956)
    z = (x[repeated] - mean) @ basis.T
    _, who = np.unique(ids[repeated], return_inverse=True)
    n = np.bincount(who).astype(np.float64)
    centre = z.mean(0)
    means = np.zeros((len(n), z.shape[1]))
    np.add.at(means, who, z)
    means /= n[:, None]
    within = (z - means[who]).T @ (z - means[who]) / (len(z) - len(n))
    if not np.trace(within) > 1e-12:
        raise ValueError("the faces of one person do not vary at all: nothing to tell people apart by")
    within += 1e-6 * np.trace(within) / len(within) * np.eye(len(within))  # steady where a mode is flat
    spread = means - centre
    between = (spread.T * n) @ spread / n.sum() - within * len(n) / n.sum()
    ratios, vectors = eigh(between, within)  # vectors.T @ within @ vectors = I
    order = np.argsort(ratios)[::-1]
    ratios, vectors = ratios[order], vectors[:, order]
    keep = ratios >= min_ratio
    keep[max_directions:] = False
    if not keep.any():
        raise ValueError(f"no direction of face shape differs between people by {min_ratio} of within")
    a = vectors[:, keep]
    # The least-variance change that sets the coordinates, total @ a @ inv(a.T @ total @ a) with
    # total = within + between, is within @ a: a.T @ within @ a = I and between @ a = within @ a * ratios.
    lift = within @ a
    return FaceShape(mean=mean, directions=(basis.T @ a).T, lift=(basis.T @ lift).T, ratios=ratios[keep],
                     template=template)


def load_face_shape(model_dir: str | Path) -> FaceShape | None:
    """A model folder's face-shape map (FILE), or None when it has none (models exported before it)."""
    path = Path(model_dir) / FILE
    return FaceShape.load(path) if path.is_file() else None
