"""Which faces a recognizer still re-identifies (hits.csv) and which the detector no longer finds
(misses.csv): one row each, written beside the report.

A rate says how many; choosing a setting needs which. A hit whose own score beats the next gallery face by
0.001 on a 9-px face is close to chance among a few hundred faces; one that wins by 0.2 on a 300-px face is a
leak. A miss of a face the front-end had no mesh for (a profile, a face half hidden: replaced on five points
or blurred) is another matter than one of a frontal face the model drew badly. The untouched photos are left
out.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from id2face.evaluation.metrics.identity import score_matrix, top1_hits
from id2face.evaluation.reid_by_size import face_widths

if TYPE_CHECKING:
    from id2face.evaluation.records import PhotoRecord
    from id2face.identity.verify import Verifier

FIELDS = ("variant", "seed", "recognizer", "photo", "face", "width_px", "own_score", "next_score", "margin")
MISS_FIELDS = ("variant", "seed", "photo", "face", "width_px", "original_mesh")


def hit_rows(variant: str, runs: dict[int, list[PhotoRecord]], originals: list[PhotoRecord],
             photo_keys: list[str], recognizers: list[Verifier]) -> list[dict]:
    """Every face still detected whose nearest original face (of all photos) is its own source, per seed and
    recognizer: its photo and index there, its width in the photo, its score with its source and with the
    nearest other original (cosine similarity, or minus the L2 distance), and the margin between them."""
    where = [(key, j) for key, o in zip(photo_keys, originals, strict=True) for j in range(len(o.boxes))]
    widths = face_widths(originals)
    rows = []
    for r in recognizers:
        gallery = np.concatenate([o.embeddings[r.name] for o in originals])
        if len(gallery) < 2:
            continue
        for seed, run in sorted(runs.items()):
            probes = np.concatenate([x.embeddings[r.name] for x in run])
            detected = np.concatenate([x.detected for x in run]).astype(bool)
            source = np.arange(len(gallery))
            scores = score_matrix(probes, gallery, r.metric)
            own = scores[source, source]
            np.fill_diagonal(scores, -np.inf)
            best_other = scores.max(1)
            for i in np.flatnonzero(top1_hits(gallery, probes, detected, source, r.metric)):
                own_i, other_i = float(own[i]), float(best_other[i])
                rows.append({"variant": variant, "seed": seed, "recognizer": r.name, "photo": where[i][0],
                             "face": where[i][1], "width_px": round(float(widths[i]), 1),
                             "own_score": round(own_i, 4), "next_score": round(other_i, 4),
                             "margin": round(own_i - other_i, 4)})
    return rows


def miss_rows(variant: str, runs: dict[int, list[PhotoRecord]], originals: list[PhotoRecord],
              photo_keys: list[str]) -> list[dict]:
    """Every face no longer detected on the result, per seed: its photo and index there, its width in the
    photo, and whether the front-end had found its face mesh on the original."""
    where = [(key, j) for key, o in zip(photo_keys, originals, strict=True) for j in range(len(o.boxes))]
    widths = face_widths(originals)
    meshed = np.concatenate([np.asarray(o.has_mesh, bool) for o in originals]) if originals else np.zeros(0)
    rows = []
    for seed, run in sorted(runs.items()):
        detected = np.concatenate([x.detected for x in run]).astype(bool)
        for i in np.flatnonzero(~detected):
            rows.append({"variant": variant, "seed": seed, "photo": where[i][0], "face": where[i][1],
                         "width_px": round(float(widths[i]), 1), "original_mesh": bool(meshed[i])})
    return rows


def write_hits(rows: list[dict], path: str | Path) -> Path:
    """Hit rows as CSV (a header only when there is none), the narrowest wins first within each variant."""
    return _write(sorted(rows, key=lambda r: (r["variant"], r["recognizer"], r["margin"])), FIELDS, path)


def write_misses(rows: list[dict], path: str | Path) -> Path:
    """Miss rows as CSV (a header only when there is none), by variant, photo and face."""
    order = sorted(rows, key=lambda r: (r["variant"], r["photo"], r["face"], r["seed"]))
    return _write(order, MISS_FIELDS, path)


def _write(rows: list[dict], fields: tuple[str, ...], path: str | Path) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return Path(path)
