"""Fit a model's face-shape map (model/face_shape.py) on its training faces; store it in the model folder.

    python -m id2face.training.face_shape MODEL_DIR DATA [DATA ...] [--amount F] [--spread S]

DATA: folders written by `id2face prepare` (their training split; held-out identities are left out). The
map needs the people's labels: it keeps the directions of mesh shape along which different people differ
far more than photos of one person do. Every face counts with its mirror image (the same person), so the
directions do not favour one side. --amount records in the model's training.json how much of each face's
own shape the model redraws by default ("face_shape", 0 to 1), --spread how widely the drawn shapes spread
("face_shape_spread", times the training people's spread); without them the record is left as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from id2face.model.config import checked_amount, checked_spread
from id2face.model.face_shape import FILE, FaceShape, fit_face_shape
from id2face.training.points_mesh import (
    add_map_to_model,
    labelled_training_meshes,
    map_command_parser,
    record_in_card,
    with_mirrors,
)


def fit_for_model(meshes: np.ndarray, identities: np.ndarray, size: int, template: str) -> FaceShape:
    """The map a model exports: fitted on the meshes and their mirrors, each mirror its face's person."""
    meshes = np.asarray(meshes, np.float64)[..., :2]
    ids = np.asarray(identities)
    return fit_face_shape(with_mirrors(meshes, size), np.concatenate([ids, ids]), size, template)


def add_to_model(model_dir: str | Path, face_shape: FaceShape, amount: float | None = None,
                 spread: float | None = None) -> Path:
    """Write the map into a model folder, record `amount` ("face_shape") and `spread` ("face_shape_spread")
    in its training.json when given, and rewrite its SHA256SUMS (add_map_to_model)."""
    record = {}
    if amount is not None:
        record["face_shape"] = checked_amount(amount)
    if spread is not None:
        record["face_shape_spread"] = checked_spread(spread)
    path = add_map_to_model(model_dir, face_shape, FILE)
    if record:
        record_in_card(model_dir, record)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = map_command_parser("id2face.training.face_shape", __doc__)
    ap.add_argument("--amount", type=float, default=None, metavar="F",
                    help="record F (0 to 1) as the share of each face's own shape the model redraws by "
                         "default")
    ap.add_argument("--spread", type=float, default=None, metavar="S",
                    help="record S (0 to 3) as how widely the drawn shapes spread, in units of the training "
                         "people's spread")
    args = ap.parse_args(argv)
    meshes, identities, size, template = labelled_training_meshes(args.data)
    face_shape = fit_for_model(meshes, identities, size, template)
    path = add_to_model(args.model_dir, face_shape, args.amount, args.spread)
    print(f"{path}: {len(face_shape.ratios)} directions of face shape (between-person over within-person "
          f"variance {', '.join(f'{r:.2f}' for r in face_shape.ratios)}), fitted on {len(meshes)} faces of "
          f"{len(np.unique(identities))} people and their mirrors ({template}, {size} px)")


if __name__ == "__main__":
    main()
