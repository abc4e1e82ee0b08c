"""Turn per-photo records into the per-variant numbers of the report."""

from __future__ import annotations

import numpy as np

from id2face.evaluation.fid_floor import half_fid
from id2face.evaluation.metrics.attributes import ATTRIBUTES, attribute_figures
from id2face.evaluation.metrics.diversity import pairwise_identity_distances
from id2face.evaluation.metrics.geometry import gaze_error_deg, landmark_error, pose_error_deg
from id2face.evaluation.metrics.identity import identity_protection
from id2face.evaluation.metrics.image import sharpness
from id2face.evaluation.metrics.skin_tone import skin_tone_figures, window_lightness
from id2face.evaluation.records import PhotoRecord
from id2face.identity.verify import Verifier


def _mean(xs) -> float:
    xs = np.asarray([x for x in xs if np.isfinite(x)], np.float64)
    return float(xs.mean()) if len(xs) else float("nan")


def _stack(recs: list[PhotoRecord], attr: str) -> np.ndarray:
    return np.concatenate([getattr(r, attr) for r in recs]) if recs else np.zeros(0)


def identity_figures(originals: list[PhotoRecord], run: list[PhotoRecord], recognizers: list[Verifier],
                     ) -> dict[str, dict]:
    """Per recognizer: re-identification among a gallery of all original faces, and more."""
    detected = _stack(run, "detected").astype(bool)
    out = {}
    for r in recognizers:
        gallery = np.concatenate([o.embeddings[r.name] for o in originals])
        probes = np.concatenate([x.embeddings[r.name] for x in run])
        res = identity_protection(gallery, probes, detected, np.arange(len(gallery)), r.metric, r.threshold)
        out[r.name] = res.as_dict()
    return out


def utility_figures(
    originals: list[PhotoRecord], run: list[PhotoRecord], shapes: list[tuple[int, ...]]
) -> dict:
    """Pose, expression and gaze change of the faces that were still detected with a mesh."""
    pose, lmk, gaze = [], [], []
    for o, x, shape in zip(originals, run, shapes, strict=True):
        for i in range(len(o.boxes)):
            if not (o.has_mesh[i] and x.detected[i] and x.has_mesh[i]):
                continue
            pose.append(pose_error_deg(o.meshes[i], x.meshes[i], shape))
            lmk.append(landmark_error(o.meshes[i], x.meshes[i]))
            gaze.append(gaze_error_deg(o.meshes[i], x.meshes[i]))
    det = _stack(run, "detected")
    drawn = ~_unsure(originals)
    return {
        **_attributes(originals, run, det),
        **_skin_tone(originals, run),
        "pose_error_deg": _mean(pose),
        "pose_error_deg_median": float(np.median(pose)) if pose else float("nan"),
        "landmark_error_nme": _mean(lmk),
        "gaze_error_deg": _mean(gaze),
        "faces_detected": float(det.mean()) if len(det) else float("nan"),
        # over the faces the anonymizer was to draw: the front-end blurs those it is unsure of (a bystander
        # cut by the edge, a weak box), which a detector may well not find again; the bench measures those
        "faces_detected_drawn": float(det[drawn].mean()) if drawn.any() else float("nan"),
        "faces_measured": len(pose),
        # identical pixels give infinite PSNR; cap at 100 dB so that means stay finite
        "psnr_outside_db": _mean([min(r.psnr, 100.0) for r in run]),
        "ssim_outside": _mean([r.ssim for r in run]),
        "seconds_per_photo": _mean([r.seconds for r in run]),
        "fallbacks": int(sum(r.fallbacks for r in run)),
    }


def _unsure(originals: list[PhotoRecord]) -> np.ndarray:
    """(F,) the faces the front-end was unsure of (none known in records cached before it was kept)."""
    parts = [o.unsure if o.unsure is not None else np.zeros(len(o.boxes), bool) for o in originals]
    return np.concatenate(parts).astype(bool) if parts else np.zeros(0, bool)


def _attributes(originals: list[PhotoRecord], run: list[PhotoRecord], detected: np.ndarray) -> dict:
    """gender_kept and age_change_years (metrics/attributes.py), NaN where faceres did not judge."""
    if not all(ATTRIBUTES in r.embeddings for r in [*originals, *run]):
        return attribute_figures(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0, bool))
    return attribute_figures(np.concatenate([o.embeddings[ATTRIBUTES].reshape(-1, 2) for o in originals]),
                             np.concatenate([x.embeddings[ATTRIBUTES].reshape(-1, 2) for x in run]), detected)


def _skin_tone(originals: list[PhotoRecord], run: list[PhotoRecord]) -> dict:
    """Cheek lightness of each face with a mesh on the original and (still detected) on the result
    (metrics/skin_tone.py); NaN where a side has none."""
    before, after = [], []
    for o, x in zip(originals, run, strict=True):
        for i, box in enumerate(o.boxes):
            before.append(window_lightness(o.crops[i], o.meshes[i], box) if o.has_mesh[i] else np.nan)
            seen = x.detected[i] and x.has_mesh[i]
            after.append(window_lightness(x.crops[i], x.meshes[i], box) if seen else np.nan)
    return skin_tone_figures(np.array(before), np.array(after))


def quality_figures(originals: list[PhotoRecord], run: list[PhotoRecord], inception=None,
                    real_features: np.ndarray | None = None) -> dict:
    """Sharpness, FID (all crops vs all original crops) and fid_half (the FID floor's split, fid_floor.py).

    real_features: the original crops' Inception features when already computed (else computed here).
    """
    crops_o, crops_x = _stack(originals, "crops"), _stack(run, "crops")
    out = {
        "sharpness": _mean([sharpness(c) for c in crops_x]),
        "sharpness_original": _mean([sharpness(c) for c in crops_o]),
        "fid": float("nan"),
        "fid_half": float("nan"),
        "fid_samples": len(crops_x),
    }
    if inception is not None and len(crops_x) >= 2:
        # here: torch + scipy, only when FID is measured
        from id2face.evaluation.metrics.fid import frechet_distance

        f_o = inception(crops_o) if real_features is None else real_features
        f_x = inception(crops_x)
        out["fid"] = frechet_distance(f_o, f_x)
        out["fid_half"] = half_fid(f_o, f_x)
    return out


def diversity_figures(runs: dict[int, list[PhotoRecord]], recognizers: list[Verifier]) -> dict:
    """Pairwise identity distance across seeds, per face (faces detected in every seed)."""
    if len(runs) < 2:
        return {}
    seeds = sorted(runs)
    out = {}
    for r in recognizers:
        emb = np.stack([np.concatenate([x.embeddings[r.name] for x in runs[s]]) for s in seeds], 1)  # F,S,D
        det = np.stack([_stack(runs[s], "detected").astype(bool) for s in seeds], 1).all(1)
        dists = [pairwise_identity_distances(emb[i], r.metric) for i in np.flatnonzero(det)]
        flat = np.concatenate(dists) if dists else np.zeros(0)
        # A pair counts as two different people when the recognizer would not verify it.
        apart = 1.0 - r.threshold if r.metric == "cosine" else r.threshold
        out[r.name] = {
            "mean_distance": _mean(flat),
            "std_distance": float(flat.std()) if len(flat) else float("nan"),
            "different_pairs": float((flat > apart).mean()) if len(flat) else float("nan"),
            "faces": len(dists),
            "distances": flat.round(5).tolist(),
        }
    return out


def seed_summary(per_seed: list[dict]) -> dict:
    """Mean over seeds of every number (and its std where there is more than one seed)."""
    if len(per_seed) == 1:
        return per_seed[0]
    out: dict = {}
    for k, v in per_seed[0].items():
        if isinstance(v, dict):
            out[k] = seed_summary([p[k] for p in per_seed])
        elif isinstance(v, (int, float)):
            vals = [p[k] for p in per_seed]
            out[k] = _mean(vals)
            out[k + "_std"] = float(np.nanstd(vals)) if np.isfinite(vals).any() else float("nan")
    return out
