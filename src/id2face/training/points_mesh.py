"""Fit a model's points-to-mesh map (face/points_mesh.py) on its training faces; store it in the model folder.

    python -m id2face.training.points_mesh MODEL_DIR DATA [DATA ...]

DATA: folders written by `id2face prepare` (their training split; held-out identities are left out). The
map is fitted on every face's mesh and on its mirror image, so a face turned left and one turned right
are treated alike. `id2face train` writes one with every model it exports; this command adds one to a
model exported before (2026-11-29) and rewrites the model's SHA256SUMS.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file

from id2face.face.points_mesh import FILE, PointsMesh, fit_points_mesh
from id2face.model.integrity import write_checksums
from id2face.training.data import mirror_permutation, read_manifest


def training_meshes(dirs: list[str | Path], split: str = "train") -> tuple[np.ndarray, int, str]:
    """(N, 478, 2) crop-pixel meshes of the split's faces, their crop size and template (only the
    landmarks are read, not the crops)."""
    meshes, ref = [], None
    for d in dirs:
        man = read_manifest(d)
        if ref is not None and (man["size"], man["template"]) != ref:
            raise ValueError(f"{d}: size/template {(man['size'], man['template'])} differ from {ref}")
        ref = (man["size"], man["template"])
        wanted = list(man["splits"][split])
        for s in man["shards"]:
            if s["count"]:
                t = load_file(str(Path(d) / s["file"]))
                meshes.append(t["landmarks"][np.isin(t["identity"], wanted)].astype(np.float64))
    if ref is None or not sum(len(m) for m in meshes):
        raise ValueError(f"no {split} faces in {', '.join(map(str, dirs))}")
    return np.concatenate(meshes), int(ref[0]), str(ref[1])


def with_mirrors(meshes: np.ndarray, size: int) -> np.ndarray:
    """The meshes and their horizontal mirror images (points renumbered as the mirrored face's own)."""
    perm = mirror_permutation(torch.from_numpy(meshes).float(), size).numpy()
    flipped = meshes.copy()
    flipped[..., 0] = size - flipped[..., 0]
    return np.concatenate([meshes, flipped[:, np.argsort(perm)]])


def fit_for_model(meshes: np.ndarray, size: int, template: str) -> PointsMesh:
    """The map a model exports: fitted on the meshes and their mirrors."""
    return fit_points_mesh(with_mirrors(np.asarray(meshes, np.float64)[..., :2], size), size, template)


def add_to_model(model_dir: str | Path, points_mesh: PointsMesh) -> Path:
    """Write the map into a model folder and rewrite its SHA256SUMS (the map is a weight file)."""
    path = points_mesh.save(Path(model_dir) / FILE)
    write_checksums(model_dir)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m id2face.training.points_mesh",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", help="the model folder to add the map to")
    ap.add_argument("data", nargs="+", help="prepared datasets the model was trained on")
    args = ap.parse_args(argv)
    meshes, size, template = training_meshes(args.data)
    path = add_to_model(args.model_dir, fit_for_model(meshes, size, template))
    print(f"{path}: fitted on {len(meshes)} faces and their mirrors ({template}, {size} px)")


if __name__ == "__main__":
    main()
