"""Fit a model's points-to-mesh map (face/points_mesh.py) on its training faces; store it in the model folder.

    python -m id2face.training.points_mesh MODEL_DIR DATA [DATA ...]

DATA: folders written by `id2face prepare` (their training split; held-out identities are left out). The
map is fitted on every face's mesh and on its mirror image, so a face turned left and one turned right
are treated alike. With --detector-points N it is fitted on the detector's own five points instead (the
detector runs on the first N source photos): those are what a face without a mesh has, and they sit
differently from the mesh's (the eyes' centres, a mouth centre widened to corners). `id2face train` writes
one with every model it exports; this command adds one to a
model exported before (2026-11-29) and rewrites the model's SHA256SUMS.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from id2face.face.points_mesh import FILE, PointsMesh, fit_points_mesh
from id2face.model.integrity import write_checksums
from id2face.training.data import mirror_permutation, read_manifest, split_photos, split_shards


def crop_geometry(dirs: list[str | Path]) -> tuple[int, str]:
    """The crop size and template the prepared datasets share (a ValueError when they differ)."""
    ref = None
    for d in dirs:
        man = read_manifest(d)
        if ref is not None and (man["size"], man["template"]) != ref:
            raise ValueError(f"{d}: size/template {(man['size'], man['template'])} differ from {ref}")
        ref = (man["size"], man["template"])
    if ref is None:
        raise ValueError("no prepared dataset given")
    return int(ref[0]), str(ref[1])


def labelled_training_meshes(dirs: list[str | Path], split: str = "train"
                             ) -> tuple[np.ndarray, np.ndarray, int, str]:
    """(N, 478, 2) crop-pixel meshes of the split's faces, (N,) their people (numbered apart across the
    datasets), the crop size and template (only the landmarks and labels are read, not the crops)."""
    size, template = crop_geometry(dirs)
    meshes, people = [], []
    for _, t, keep in split_shards(dirs, split):
        meshes.append(t["landmarks"][keep][..., :2].astype(np.float64))
        people.append(t["identity"][keep].astype(np.int64))
    if not sum(len(m) for m in meshes):
        raise ValueError(f"no {split} faces in {', '.join(map(str, dirs))}")
    return np.concatenate(meshes), np.concatenate(people), size, template


def training_meshes(dirs: list[str | Path], split: str = "train") -> tuple[np.ndarray, int, str]:
    """(N, 478, 2) crop-pixel meshes of the split's faces, their crop size and template."""
    meshes, _, size, template = labelled_training_meshes(dirs, split)
    return meshes, size, template


FIVE_MIRROR = [1, 0, 2, 4, 3]  # the five points of a mirrored face: the eyes and the mouth corners swap


def _flip(points: np.ndarray, size: int) -> np.ndarray:
    out = np.array(points, np.float64, copy=True)
    out[..., 0] = size - out[..., 0]
    return out


def with_mirrors(meshes: np.ndarray, size: int) -> np.ndarray:
    """The meshes and their horizontal mirror images (points renumbered as the mirrored face's own)."""
    perm = mirror_permutation(torch.from_numpy(meshes).float(), size).numpy()
    return np.concatenate([meshes, _flip(meshes, size)[:, np.argsort(perm)]])


def fit_for_model(meshes: np.ndarray, size: int, template: str,
                  points: np.ndarray | None = None) -> PointsMesh:
    """The map a model exports: fitted on the meshes and their mirrors (and on `points`, the detector's five
    points of each, mirrored alike, when given)."""
    meshes = np.asarray(meshes, np.float64)[..., :2]
    if points is not None:
        points = np.concatenate([points, _flip(points, size)[:, FIVE_MIRROR]])
    return fit_points_mesh(with_mirrors(meshes, size), size, template, points=points)


def detector_pairs(photos: list[Path], size: int, template: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, 5, 2) detector points and (N, 478, 2) meshes of every meshed face in `photos`, both in the crop
    the detector's points align (a face without a mesh is aligned on those), for `fit_for_model(points=)`."""
    from tqdm import tqdm

    from id2face.face.align import alignment_matrix
    from id2face.face.detect import FaceDetector
    from id2face.geometry import TEMPLATES, apply_affine
    from id2face.io.images import load_image

    points, meshes = [], []
    detector = FaceDetector()
    try:
        for path in tqdm(photos, desc="detector points", unit="photo"):
            try:
                image = load_image(path)
            except Exception:  # noqa: BLE001 - an unreadable photo gives no pairs
                continue
            for f in detector.detect(image):
                if f.mesh is None or f.detector_keypoints5 is None:
                    continue
                m = alignment_matrix(f.detector_keypoints5, TEMPLATES[template], size)
                points.append(apply_affine(m, f.detector_keypoints5))
                meshes.append(apply_affine(m, f.mesh[:, :2]))
    finally:
        detector.close()
    return np.asarray(points).reshape(-1, 5, 2), np.asarray(meshes).reshape(-1, 478, 2)


def add_map_to_model(model_dir: str | Path, fitted, file: str) -> Path:
    """Write a fitted map (anything with `save(path)`) into a model folder as `file` and rewrite the folder's
    SHA256SUMS (a map is a weight file: loading checks it)."""
    path = fitted.save(Path(model_dir) / file)
    write_checksums(model_dir)
    return path


def record_in_card(model_dir: str | Path, values: dict) -> None:
    """Merge `values` into the model's training.json, the defaults it records (not a weight file: its
    SHA256SUMS stays as it is)."""
    card_path = Path(model_dir) / "training.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    card_path.write_text(json.dumps({**card, **values}, indent=1))


def add_to_model(model_dir: str | Path, points_mesh: PointsMesh) -> Path:
    """Write the points-to-mesh map into a model folder (add_map_to_model)."""
    return add_map_to_model(model_dir, points_mesh, FILE)


def map_command_parser(module: str, doc: str) -> argparse.ArgumentParser:
    """The command line of a module that fits a map on a model's training data and adds it to the model."""
    ap = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    ap.add_argument("model_dir", help="the model folder to add the map to")
    ap.add_argument("data", nargs="+", help="prepared datasets the model was trained on")
    return ap


def main(argv: list[str] | None = None) -> None:
    ap = map_command_parser("id2face.training.points_mesh", __doc__)
    ap.add_argument("--detector-points", type=int, default=0, metavar="N",
                    help="fit on the detector's own five points of the meshed faces in the first N source "
                         "photos of the datasets' training split (what a face without a mesh has; runs the "
                         "detector) instead of each mesh's own points")
    args = ap.parse_args(argv)
    points = None
    if args.detector_points:
        size, template = crop_geometry(args.data)
        points, meshes = detector_pairs(split_photos(args.data)[: args.detector_points], size, template)
    else:
        meshes, size, template = training_meshes(args.data)
    path = add_to_model(args.model_dir, fit_for_model(meshes, size, template, points))
    inputs = "the detector's points" if points is not None else "the meshes' own points"
    print(f"{path}: fitted on {len(meshes)} faces and their mirrors, from {inputs} ({template}, {size} px)")


if __name__ == "__main__":
    main()
