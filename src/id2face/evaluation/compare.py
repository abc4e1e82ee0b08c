"""Two eval runs (or two variants of one run) face by face: which rates differ beyond the draw of photos.

A rate of one report carries a wide interval (several points on 200 photos), so two reports side by side
cannot say whether a burst's model hides people better than the bundled one, or a setting better than
another. On the same photos and seeds most faces fare alike in both runs; the difference is measured on
what changed, with the photos drawn again whole, the same draw for both runs
(intervals.paired_photo_bootstrap). Runs on several photo sets can be pooled (`pooled`): more faces, a
narrower interval, where one set alone cannot tell.
Read from the reports' caches (OUTPUT/cache): nothing is run again and no model is loaded.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from id2face.evaluation.config import Variant
from id2face.evaluation.intervals import LEVEL, paired_photo_bootstrap
from id2face.evaluation.records import PhotoRecord
from id2face.evaluation.reid_by_size import SIZE_BUCKETS, face_widths, hits_per_seed, size_bucket
from id2face.evaluation.training_gallery import nearest_distances, unseen_limit


@dataclass
class RunFaces:
    """One variant of one report, per original face: still detected and re-identified, in each seed."""

    label: str
    keys: list[str]  # photos, in order
    boxes: np.ndarray  # (F, 4) original boxes
    photos: np.ndarray  # (F,) index into keys
    widths: np.ndarray  # (F,) box width in the photo
    seeds: list[int]
    detected: np.ndarray  # (F, S)
    hits: dict[str, np.ndarray]  # recognizer -> (F, S) top-1 re-identified
    # (F, S) nearer a training person than 95 % of the run's unseen originals are (training_gallery.py); None
    # when the run was not evaluated with --training-data
    near_training: np.ndarray | None = None

    def on_seeds(self, seeds: list[int]) -> RunFaces:
        """The same faces on these of its seeds only."""
        cols = [self.seeds.index(s) for s in seeds]
        near = None if self.near_training is None else self.near_training[:, cols]
        return RunFaces(self.label, self.keys, self.boxes, self.photos, self.widths, list(seeds),
                        self.detected[:, cols], {k: v[:, cols] for k, v in self.hits.items()}, near)


def _cache(report_dir: Path) -> Path:
    cache = report_dir / "cache"
    if not (report_dir / "report.json").is_file() or not (cache / "originals").is_dir():
        raise FileNotFoundError(f"{report_dir}: no report.json and cache/originals: not a finished "
                                "`id2face eval` output folder")
    return cache


def _seed_dirs(cache: Path, variant: str, keys: list[str]) -> dict[int, Path]:
    """Seed folders of a variant that hold every photo's record."""
    root = cache / Variant.parse(variant).slug
    if not root.is_dir():
        have = sorted(p.name for p in cache.iterdir() if p.is_dir() and p.name != "originals")
        raise FileNotFoundError(f"{cache.parent}: no variant {variant!r} (its cache holds {', '.join(have)})")
    seeds = {}
    for d in root.glob("seed*"):
        if d.name[4:].isdigit() and all((d / f"{k}.npz").is_file() for k in keys):
            seeds[int(d.name[4:])] = d
    if not seeds:
        raise FileNotFoundError(f"{root}: no seed with a record of every photo (an interrupted run?)")
    return dict(sorted(seeds.items()))


def read_run(report_dir: str | Path, variant: str = "id2face", keys: list[str] | None = None,
             seeds: list[int] | None = None) -> RunFaces:
    """A variant's faces from a report folder, on `keys` (default: every photo) and `seeds` (default: all)."""
    report_dir = Path(report_dir)
    cache = _cache(report_dir)
    keys = keys if keys is not None else sorted(p.stem for p in (cache / "originals").glob("*.npz"))
    originals = [PhotoRecord.load(cache / "originals" / f"{k}.npz") for k in keys]
    dirs = _seed_dirs(cache, variant, keys)
    if seeds is not None:
        missing = sorted(set(seeds) - set(dirs))
        if missing:
            raise FileNotFoundError(f"{report_dir}: variant {variant!r} has no seed {missing[0]}")
        dirs = {s: dirs[s] for s in seeds}
    runs = {s: [PhotoRecord.load(d / f"{k}.npz") for k in keys] for s, d in dirs.items()}
    thresholds = json.loads((report_dir / "report.json").read_text()).get("recognizer_thresholds", {})
    have = set.intersection(*(set(o.embeddings) for o in originals)) if originals else set()
    recognizers = [SimpleNamespace(name=n, metric=t["metric"]) for n, t in thresholds.items() if n in have]
    label = f"{report_dir} ({variant}{_model_note(next(iter(dirs.values())))})"
    faces = run_faces(label, keys, originals, runs, recognizers)
    faces.near_training = near_training(cache, originals, runs)
    return faces


def near_training(cache: Path, originals: list[PhotoRecord], runs: dict[int, list[PhotoRecord]]
                  ) -> np.ndarray | None:
    """(F, S) each face nearer a training person (the centroids the eval kept in its cache) than 95 % of the
    originals are, as the eval's training-identity check reads it; a face no longer detected is not. None
    without the centroids or dlib embeddings."""
    file = cache / "training_centroids.npz"
    if not file.is_file():
        return None
    with np.load(file) as z:
        return near_training_flags(originals, runs, z["centroids"])


def near_training_flags(originals: list[PhotoRecord], runs: dict[int, list[PhotoRecord]],
                        centroids: np.ndarray, unseen: np.ndarray | None = None) -> np.ndarray | None:
    """near_training's flags from the training people's `centroids` (None without dlib embeddings);
    `unseen`: the originals' nearest-centroid distances, where the caller has them already."""
    if not all("dlib" in x.embeddings for x in originals + [x for r in runs.values() for x in r]):
        return None
    if unseen is None:
        unseen = nearest_distances(np.concatenate([o.embeddings["dlib"] for o in originals]), centroids)
    limit = unseen_limit(unseen)
    cols = []
    for s in sorted(runs):
        emb = np.concatenate([x.embeddings["dlib"] for x in runs[s]])
        detected = np.concatenate([x.detected for x in runs[s]]).astype(bool)
        cols.append(detected & (nearest_distances(emb, centroids) < limit))
    return np.stack(cols, 1)


def _model_note(seed_dir: Path) -> str:
    """'; model bundled 008677fe': which model made a run's records (its meta.json), so that a comparison
    says what it compared; '' for a method without a model or a cache without meta.json."""
    meta = json.loads((seed_dir / "meta.json").read_text()) if (seed_dir / "meta.json").is_file() else {}
    sums = meta.get("model_sums")
    return f"; model {meta.get('model') or 'bundled'} {sums[:8]}" if sums else ""


def run_faces(label: str, keys: list[str], originals: list[PhotoRecord], runs: dict[int, list[PhotoRecord]],
              recognizers: list) -> RunFaces:
    """RunFaces of one variant's records (read from a cache, or still in memory during `id2face eval`)."""
    boxes = [np.asarray(o.boxes, np.float64).reshape(-1, 4) for o in originals]
    seeds = sorted(runs)
    return RunFaces(
        label=label, keys=keys,
        boxes=np.concatenate(boxes) if boxes else np.zeros((0, 4)),
        photos=np.repeat(np.arange(len(keys)), [len(b) for b in boxes]),
        widths=face_widths(originals), seeds=seeds,
        detected=np.stack([np.concatenate([x.detected for x in runs[s]]).astype(bool) for s in seeds], 1),
        hits={r.name: np.stack(hits_per_seed(originals, runs, r), 1) for r in recognizers},
    )


def read_pair(dir_a: str | Path, variant_a: str, dir_b: str | Path, variant_b: str,
              ) -> tuple[RunFaces, RunFaces]:
    """Both runs on the photos and seeds they share, checked to hold the same original faces."""
    keys_a = {p.stem for p in (_cache(Path(dir_a)) / "originals").glob("*.npz")}
    keys_b = {p.stem for p in (_cache(Path(dir_b)) / "originals").glob("*.npz")}
    keys = sorted(keys_a & keys_b)
    if not keys:
        raise ValueError(f"{dir_a} and {dir_b} share no photo: compare runs on the same --data")
    seed_a = _seed_dirs(_cache(Path(dir_a)), variant_a, keys)
    seed_b = _seed_dirs(_cache(Path(dir_b)), variant_b, keys)
    seeds = sorted(set(seed_a) & set(seed_b))
    if not seeds:
        raise ValueError(f"the two runs share no seed ({sorted(seed_a)} vs {sorted(seed_b)})")
    a, b = read_run(dir_a, variant_a, keys, seeds), read_run(dir_b, variant_b, keys, seeds)
    if a.boxes.shape != b.boxes.shape or not np.allclose(a.boxes, b.boxes, atol=0.5):
        raise ValueError("the two runs found different faces on the same photos: compare runs of one "
                         "detector")
    return a, b


def pooled(runs: list[RunFaces], label: str) -> RunFaces:
    """Runs on several photo sets (each face re-identified in its own set's gallery) as one run: their faces
    side by side, on the seeds every run has. A bootstrap then draws photos from all sets together."""
    seeds = sorted(set.intersection(*(set(r.seeds) for r in runs)))
    if not seeds:
        each = "; ".join(f"{r.label}: {r.seeds}" for r in runs)
        raise ValueError(f"the runs to pool share no seed ({each})")
    runs = [r.on_seeds(seeds) for r in runs]
    names = [n for n in runs[0].hits if all(n in r.hits for r in runs)]
    offsets = np.cumsum([0] + [len(r.keys) for r in runs])
    return RunFaces(
        label=label, keys=[f"{i}:{k}" for i, r in enumerate(runs) for k in r.keys],
        boxes=np.concatenate([r.boxes for r in runs]),
        photos=np.concatenate([r.photos + o for r, o in zip(runs, offsets[:-1], strict=True)]),
        widths=np.concatenate([r.widths for r in runs]), seeds=seeds,
        detected=np.concatenate([r.detected for r in runs]),
        hits={n: np.concatenate([r.hits[n] for r in runs]) for n in names},
        near_training=None if any(r.near_training is None for r in runs)
        else np.concatenate([r.near_training for r in runs]),
    )


def read_pairs(pairs: list[tuple[str | Path, str | Path]], variant_a: str, variant_b: str
               ) -> tuple[RunFaces, RunFaces]:
    """read_pair for each (A, B) folder pair (one per photo set), pooled: A's sets against B's."""
    read = [read_pair(a, variant_a, b, variant_b) for a, b in pairs]
    if len(read) == 1:
        return read[0]
    a = pooled([r[0] for r in read], " + ".join(r[0].label for r in read))
    b = pooled([r[1] for r in read], " + ".join(r[1].label for r in read))
    return a, b


def _rates(a: RunFaces, b: RunFaces) -> list[tuple[str, np.ndarray, np.ndarray, bool]]:
    """(name, per-face value in A, in B, lower is better) of every compared rate, seeds averaged."""
    rows = []
    which = size_bucket(a.widths)
    for name in [n for n in a.hits if n in b.hits]:
        ha, hb = a.hits[name].mean(1), b.hits[name].mean(1)
        rows.append((f"{name} re-id, all", ha, hb, True))
        for k, (label, _, _) in enumerate(SIZE_BUCKETS):
            sel = which == k
            if sel.any():
                rows.append((f"{name} re-id, {label} (n={int(sel.sum())})", np.where(sel, ha, np.nan),
                             np.where(sel, hb, np.nan), True))
    rows.append(("faces still detected", a.detected.mean(1), b.detected.mean(1), False))
    if a.near_training is not None and b.near_training is not None:
        rows.append(("nearer a training person than 95 % of unseen people", a.near_training.mean(1),
                     b.near_training.mean(1), True))
    return rows


def compare_runs(a: RunFaces, b: RunFaces) -> list[dict]:
    """Per rate: A, B, B - A, its interval, faces better and worse in B, and the reading."""
    out = []
    for name, va, vb, lower_better in _rates(a, b):
        sel = np.isfinite(va)
        va, vb, photos = va[sel], vb[sel], a.photos[sel]
        lo, hi = paired_photo_bootstrap(va, vb, photos)
        better = int(((vb < va) if lower_better else (vb > va)).sum())
        worse = int(((vb > va) if lower_better else (vb < va)).sum())
        if lo > 0 or hi < 0:
            reading = "B better" if (hi < 0) == lower_better else "B worse"
        else:
            reading = "no difference shown"
        out.append({"rate": name, "a": float(va.mean()), "b": float(vb.mean()),
                    "difference": float((vb - va).mean()), "interval": [lo, hi],
                    "faces_better_in_b": better, "faces_worse_in_b": worse, "reading": reading})
    return out


def _points(x: float) -> str:
    """A difference of rates in percentage points, signed."""
    return "–" if not math.isfinite(x) else f"{100 * x:+.1f}" if x else "0.0"


def comparison_markdown(a: RunFaces, b: RunFaces, rows: list[dict]) -> str:
    """The comparison as Markdown: what was compared, then one row per rate."""
    seeds = ", ".join(map(str, a.seeds))
    lines = [f"A: {a.label}", f"B: {b.label}",
             f"{len(a.keys)} photos, {len(a.widths)} faces, seeds {seeds}; each face's rate averaged over "
             f"the seeds; {100 * LEVEL:g} % interval of B - A by a paired photo bootstrap.", "",
             "| rate | A | B | B - A (points) | interval (points) | faces better / worse in B | reading |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, hi = r["interval"]
        lines.append(f"| {r['rate']} | {100 * r['a']:.1f} % | {100 * r['b']:.1f} % | "
                     f"{_points(r['difference'])} | {_points(lo)} to {_points(hi)} | "
                     f"{r['faces_better_in_b']} / {r['faces_worse_in_b']} | {r['reading']} |")
    return "\n".join(lines) + "\n"


BASE = "id2face"  # the variant every other id2face variant of one eval run is compared with


def paired_with_base(runs: dict[str, RunFaces]) -> dict[str, dict]:
    """Each id2face variant of one run against the plain id2face, on the seeds both ran:
    label -> {"base", "seeds", "rates": compare_runs rows}."""
    base = runs.get(BASE)
    out = {}
    for label, run in runs.items():
        seeds = sorted(set(base.seeds) & set(run.seeds)) if base is not None else []
        if label != BASE and label.split("@")[0] == BASE and seeds:
            out[label] = {"base": BASE, "seeds": seeds,
                          "rates": compare_runs(base.on_seeds(seeds), run.on_seeds(seeds))}
    return out


def paired_table(report: dict) -> tuple[str, list[str], list[list[str]]] | None:
    """(title, header, rows) of the variants' paired differences from id2face; None when there are none."""
    paired = {n: m["paired"] for n, m in report.get("methods", {}).items() if m.get("paired")}
    if not paired:
        return None
    names = [r["rate"] for r in next(iter(paired.values()))["rates"]]
    rows = []
    for label, p in paired.items():
        by_rate = {r["rate"]: r for r in p["rates"]}
        rows.append([label] + [_paired_cell(by_rate.get(n)) for n in names])
    title = (f"Paired differences from {BASE} (variant - {BASE}, in points; 95 % interval with the photos "
             "drawn again whole, the same draw for both; marked where the draw of photos cannot explain it)")
    return title, ["method"] + names, rows


def _paired_cell(r: dict | None) -> str:
    if r is None:
        return "–"
    lo, hi = r["interval"]
    mark = {"B better": " better", "B worse": " worse"}.get(r["reading"], "")
    return f"{_points(r['difference'])} ({_points(lo)} to {_points(hi)}){mark}"
