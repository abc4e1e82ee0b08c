"""Fit a model's skin-tone read-out (model/skin_tone.py) and store it in the model folder.

    python -m id2face.training.skin_tone MODEL_DIR DATA [DATA ...] [--per-person N] [--gain G]

DATA: folders written by `id2face prepare` (their training split; held-out identities are left out). Each
face's label is its cheeks' lightness in the aligned crop (face/skin.py: CIE L* at the face mesh's cheek
vertices, the measure `id2face eval` reports), averaged over the person's faces (one photo's light is not
their skin). The read-out is fitted on the faces' recognizer embeddings (the prepared data's own); its
direction leaves out the model's gender read-out (identity_attributes.safetensors, when the model has one).
The fit's own correlation on people left out of it (5 folds) is printed. --gain G also records G as the
model's default (training.json "skin_tone"); without it the recorded default stays as it is.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from id2face.face.skin import cheek_lightness
from id2face.model.config import checked_skin_tone
from id2face.model.identity_attributes import load_identity_attributes
from id2face.model.skin_tone import FILE, SkinTone, fit_skin_tone
from id2face.training.identity_attributes import person_means, training_faces
from id2face.training.points_mesh import add_map_to_model, map_command_parser, record_in_card


def face_lightness(crops: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(N,) cheek L* of aligned crops with their (N, 478, 2) crop-pixel meshes."""
    return np.array([cheek_lightness(c, m) for c, m in zip(crops, landmarks, strict=True)])


def held_out_correlation(embeddings: np.ndarray, lightness: np.ndarray, person: np.ndarray, recognizer: str,
                         folds: int = 5) -> float:
    """Correlation of the read-out with the person-mean labels on people left out of the fit."""
    fold = np.unique(person, return_inverse=True)[1] % folds
    predicted = np.zeros(len(lightness))
    for k in range(folds):
        test = fold == k
        fit = fit_skin_tone(embeddings[~test], lightness[~test], recognizer)
        predicted[test] = fit.read(torch.from_numpy(embeddings[test])).numpy()
    return float(np.corrcoef(predicted, lightness)[0, 1])


def add_to_model(model_dir: str | Path, tone: SkinTone) -> Path:
    """Write the skin-tone map into a model folder (add_map_to_model)."""
    return add_map_to_model(model_dir, tone, FILE)


def main(argv: list[str] | None = None) -> None:
    ap: argparse.ArgumentParser = map_command_parser("id2face.training.skin_tone", __doc__)
    ap.add_argument("--per-person", type=int, default=20, metavar="N", help="faces read per person")
    ap.add_argument("--gain", type=float, default=None, metavar="G",
                    help="also record G as the model's skin-tone default (0: off)")
    args = ap.parse_args(argv)
    if args.per_person < 1:
        ap.error("--per-person must be at least 1")
    try:
        gain = None if args.gain is None else checked_skin_tone(args.gain)
    except ValueError as e:
        ap.error(f"--gain: {e}")
    faces = training_faces(args.data, args.per_person)
    raw = face_lightness(faces["crops"], faces["landmarks"])
    ok = np.isfinite(raw)
    if not ok.any():
        raise SystemExit("no face with its cheeks inside the crop: nothing to fit")
    label = person_means(raw[ok], faces["person"][ok])
    emb, person = faces["embeddings"][ok], faces["person"][ok]
    check = held_out_correlation(emb, label, person, faces["recognizer"])
    attributes = load_identity_attributes(args.model_dir, faces["recognizer"])
    tone = fit_skin_tone(emb, label, faces["recognizer"], None if attributes is None else attributes.gender_w)
    path = add_to_model(args.model_dir, tone)
    if gain is not None:
        record_in_card(args.model_dir, {"skin_tone": gain})
    lo, hi = np.percentile(label, [5, 95])
    direction = "orthogonal to the gender read-out" if attributes else "as fitted (no gender read-out)"
    print(f"{path}: skin-tone read-out of {faces['recognizer']} embeddings, fitted on {len(label)} faces of "
          f"{len(np.unique(person))} people (cheek L* {lo:.0f}-{hi:.0f}, 5-95 %); on people left out: "
          f"correlation {check:.2f}; direction {direction}"
          + (f"; default gain {gain:g}" if gain is not None else ""))


if __name__ == "__main__":
    main()
