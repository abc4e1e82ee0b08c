"""Recognizer sanity check: pair AUC on LFW (same vs different person), with a fixed seed.

Why: before a recognizer's verdicts on anonymized faces mean anything, it must tell people
apart on real photos. `benchmark_pairs` returns AUC and the best-accuracy threshold.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from id2face.evaluation.metrics.identity import best_accuracy_threshold, pair_scores, roc_auc
from id2face.face.types import Face
from id2face.identity.verify import Verifier


def make_pairs(root: str | Path, n_pairs: int, seed: int = 0) -> list[tuple[Path, Path, bool]]:
    """n_pairs positive and n_pairs negative pairs from an identity-per-folder tree."""
    rng = random.Random(seed)
    people = sorted(p for p in Path(root).iterdir() if p.is_dir())
    photos = {p.name: sorted(p.glob("*.jpg")) for p in people}
    multi = [k for k, v in photos.items() if len(v) >= 2]
    names = [k for k, v in photos.items() if v]
    pairs: list[tuple[Path, Path, bool]] = []
    for _ in range(n_pairs):
        a, b = rng.sample(photos[rng.choice(multi)], 2)
        pairs.append((a, b, True))
    for _ in range(n_pairs):
        p, q = rng.sample(names, 2)
        pairs.append((rng.choice(photos[p]), rng.choice(photos[q]), False))
    return pairs


def central_face(faces: list[Face], shape: tuple[int, ...]) -> Face | None:
    """The detection nearest the photo centre (LFW photos are centred on their subject)."""
    if not faces:
        return None
    c = np.array([shape[1] / 2, shape[0] / 2])
    return min(faces, key=lambda f: float(np.linalg.norm((f.box[:2] + f.box[2:]) / 2 - c)))


def benchmark_pairs(recognizers: list[Verifier], pairs: list[tuple[Path, Path, bool]],
                    detect: Callable[[np.ndarray], list[Face]],
                    load: Callable[[Path], np.ndarray]) -> dict[str, dict]:
    """AUC, best threshold and accuracy per recognizer over pairs where both faces were found."""
    cache: dict[Path, dict[str, np.ndarray] | None] = {}

    def embed(path: Path) -> dict[str, np.ndarray] | None:
        if path not in cache:
            img = load(path)
            face = central_face(detect(img), img.shape)
            cache[path] = None if face is None else {r.name: r.embed(img, [face])[0] for r in recognizers}
        return cache[path]

    rows = []
    for a, b, same in tqdm(pairs, desc="pairs", unit="pair"):
        ea, eb = embed(a), embed(b)
        if ea is not None and eb is not None:
            rows.append((ea, eb, same))
    labels = np.array([r[2] for r in rows])
    out: dict[str, dict] = {}
    for rec in recognizers:
        a = np.stack([r[0][rec.name] for r in rows])
        b = np.stack([r[1][rec.name] for r in rows])
        s = pair_scores(a, b, rec.metric)
        thr, acc = best_accuracy_threshold(s, labels)
        own = ((s >= (rec.threshold if rec.metric == "cosine" else -rec.threshold)) == labels).mean()
        out[rec.name] = {
            "auc": roc_auc(s, labels),
            "best_threshold": thr if rec.metric == "cosine" else -thr,
            "best_accuracy": acc,
            "accuracy_at_own_threshold": float(own),
            "own_threshold": rec.threshold,
            "pairs_used": len(rows),
            "pairs_requested": len(pairs),
        }
    return out
