"""Fit a model's gender and age read-outs (model/identity_attributes.py) and store them in the model folder.

    python -m id2face.training.identity_attributes MODEL_DIR DATA [DATA ...] [--per-person N]
        [--age-tolerance YEARS] [--faceres-dir DIR]

DATA: folders written by `id2face prepare` (their training split; held-out identities are left out). Up to
--per-person faces of each person are judged by faceres's gender and age heads (its crop: 1.2x the face
mesh's box in the aligned crop); a person's label is the mean judged p(male) of their faces, each face's the
judged age. The read-outs are fitted on the faces' recognizer embeddings (the prepared data's own), so at
sampling they read the source and the fake identities in the space the model draws from; faceres is needed
here only. The fit's own accuracy, on people left out of it (5 folds), is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from id2face.model.identity_attributes import (
    DEFAULT_AGE_TOLERANCE,
    FILE,
    IdentityAttributes,
    fit_identity_attributes,
)
from id2face.training.data import read_manifest, split_shards
from id2face.training.points_mesh import add_map_to_model, map_command_parser


def training_faces(dirs: list[str | Path], per_person: int, split: str = "train") -> dict[str, np.ndarray]:
    """Up to `per_person` faces of each person of the split (the first in shard order): crops, landmarks,
    embeddings and person (numbered apart across the datasets); the recognizer's name under "recognizer"."""
    out: dict[str, list] = {"crops": [], "landmarks": [], "embeddings": [], "person": []}
    seen: dict[int, int] = {}
    recognizers = {str(d): read_manifest(d)["recognizer"] for d in dirs}
    if len(set(recognizers.values())) > 1:
        raise ValueError(f"the datasets' recognizers differ: {recognizers}")
    for _, t, in_split in split_shards(dirs, split):
        keep = []
        for i in np.flatnonzero(in_split):
            p = int(t["identity"][i])
            if seen.get(p, 0) < per_person:
                seen[p] = seen.get(p, 0) + 1
                keep.append(i)
        out["crops"].append(t["crops"][keep])
        out["landmarks"].append(t["landmarks"][keep][..., :2].astype(np.float64))
        out["embeddings"].append(t["embeddings"][keep].astype(np.float64))
        out["person"].append(t["identity"][keep].astype(np.int64))
    if not seen:
        raise ValueError(f"no {split} faces in {', '.join(map(str, dirs))}")
    arrays = {k: np.concatenate(v) for k, v in out.items()}
    return {**arrays, "recognizer": next(iter(recognizers.values()))}


def judge(crops: np.ndarray, landmarks: np.ndarray, faceres_dir: str | None = None) -> np.ndarray:
    """(N, 2) faceres's [p(male), age] of aligned crops, each cut at 1.2x its mesh's box as faceres wants."""
    from id2face.identity.faceres import FaceResRecognizer

    model = FaceResRecognizer(faceres_dir)
    boxes = np.concatenate([landmarks.min(1), landmarks.max(1)], 1)
    out = []
    for i in tqdm(range(0, len(crops), model.batch_size), desc="faceres", unit="batch"):
        part = range(i, min(i + model.batch_size, len(crops)))
        cut = np.stack([model.crops(crops[j], boxes[j:j + 1])[0] for j in part])
        out.append(model.describe_crops(cut)[1])
    return np.concatenate(out)


def person_means(values: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Each face's person's mean of `values`, over the person's finite values (NaN when none is)."""
    values = np.asarray(values, np.float64)
    ids, inverse = np.unique(person, return_inverse=True)
    ok = np.isfinite(values)
    counts = np.bincount(inverse[ok], minlength=len(ids))
    sums = np.bincount(inverse[ok], values[ok], minlength=len(ids))
    return np.divide(sums, counts, out=np.full(len(ids), np.nan), where=counts > 0)[inverse]


def held_out_accuracy(embeddings: np.ndarray, male: np.ndarray, age: np.ndarray, person: np.ndarray,
                      recognizer: str, folds: int = 5) -> dict[str, float]:
    """Gender agreement (people whose label is clear: mean p(male) < 0.3 or > 0.7) and median absolute age
    error of the read-outs on people left out of the fit."""
    fold = np.unique(person, return_inverse=True)[1] % folds
    agree, clear, errors = 0, 0, []
    for k in range(folds):
        test = fold == k
        fit = fit_identity_attributes(embeddings[~test], male[~test], age[~test], recognizer)
        g, a = fit.read(torch.from_numpy(embeddings[test]))
        sure = np.abs(male[test] - 0.5) > 0.2
        agree += int(((g.numpy() > 0) == (male[test] > 0.5))[sure].sum())
        clear += int(sure.sum())
        errors.append(np.abs(a.numpy() - age[test]))
    return {"gender_agreement": agree / max(clear, 1), "clear_faces": clear,
            "age_error_median": float(np.median(np.concatenate(errors)))}


def add_to_model(model_dir: str | Path, attributes: IdentityAttributes) -> Path:
    """Write the identity-attributes map into a model folder (add_map_to_model)."""
    return add_map_to_model(model_dir, attributes, FILE)


def main(argv: list[str] | None = None) -> None:
    ap: argparse.ArgumentParser = map_command_parser("id2face.training.identity_attributes", __doc__)
    ap.add_argument("--per-person", type=int, default=4, metavar="N",
                    help="faces judged per person (faceres costs about 0.1 s a face on 2 CPU cores)")
    ap.add_argument("--age-tolerance", type=float, default=DEFAULT_AGE_TOLERANCE, metavar="YEARS",
                    help="a fake identity within this many years of the source's judged age matches it")
    ap.add_argument("--faceres-dir", default=None, help="faceres weights (else as `id2face eval` finds them)")
    args = ap.parse_args(argv)
    if args.per_person < 1 or not args.age_tolerance > 0:
        ap.error("--per-person must be at least 1 and --age-tolerance positive")
    faces = training_faces(args.data, args.per_person)
    judged = judge(faces["crops"], faces["landmarks"], args.faceres_dir)
    male = person_means(judged[:, 0].astype(np.float64), faces["person"])
    age = judged[:, 1].astype(np.float64)
    check = held_out_accuracy(faces["embeddings"], male, age, faces["person"], faces["recognizer"])
    fit = fit_identity_attributes(faces["embeddings"], male, age, faces["recognizer"],
                                  age_tolerance=args.age_tolerance)
    path = add_to_model(args.model_dir, fit)
    people = len(np.unique(faces["person"]))
    print(f"{path}: gender and age read-outs of {faces['recognizer']} embeddings, fitted on {len(male)} "
          f"faces of {people} people ({(male > 0.5).mean():.0%} judged male, median age "
          f"{np.median(age):.0f}); on people left out: gender agreement {check['gender_agreement']:.1%} "
          f"({check['clear_faces']} faces of clear gender), median age error "
          f"{check['age_error_median']:.1f} years; age tolerance {args.age_tolerance:g}")


if __name__ == "__main__":
    main()
