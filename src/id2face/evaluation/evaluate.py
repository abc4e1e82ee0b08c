"""`evaluate(config)`: every method on every photo, every metric, one report folder."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from id2face.evaluation import aggregate, report
from id2face.evaluation.compare import near_training_flags, paired_with_base, run_faces
from id2face.evaluation.config import EvalConfig
from id2face.evaluation.fid_floor import add_fid_ratios, fid_floor
from id2face.evaluation.hits import hit_rows, miss_rows, write_hits, write_misses
from id2face.evaluation.intervals import rate_intervals
from id2face.evaluation.reid_by_size import identity_by_size
from id2face.evaluation.runner import REFERENCE, EvalRunner, photo_key
from id2face.identity.verify import Verifier, build_verifiers


def evaluate(config: EvalConfig, recognizers: list[Verifier] | None = None, detector=None) -> dict:
    """Run (or reuse) every anonymization and write report.json/.md/.html, plots and a grid."""
    t0 = time.perf_counter()
    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    recognizers = recognizers if recognizers is not None else build_verifiers(config.recognizers,
                                                                                config.faceres_dir)
    config.recognizers = [r.name for r in recognizers]
    runner = EvalRunner(config, recognizers, detector)
    originals = runner.originals()
    shapes = [runner._load(p).shape for p in runner.photos]
    variants, skipped = runner.variants()
    inception = None
    if config.fid:
        try:
            # here: torch + scipy, only when FID is measured
            from id2face.evaluation.metrics.fid import InceptionFeatures

            inception = InceptionFeatures()
        except Exception as e:  # noqa: BLE001 - FID is optional; say why it is missing
            skipped["fid"] = f"{type(e).__name__}: {e}"
            print(f"FID skipped: {e}", file=sys.stderr)
    real_features, floor = None, None
    if inception is not None:
        # the original crops' features: the FID floor, and every method's FID (computed once)
        real_features = inception(np.concatenate([o.crops for o in originals]))
        floor = fid_floor(real_features)
    centroids, dlib = None, next((r for r in recognizers if r.name == "dlib"), None)
    if config.training_data and dlib is not None:
        # here: the training data loader (torch), only with --training-data
        from id2face.evaluation.training_gallery import nearest_distances, training_centroids

        centroids = training_centroids(config.training_data, dlib.recognizer, config.training_per_identity,
                                       out / "cache" / "training_centroids.npz")
        unseen = nearest_distances(np.concatenate([o.embeddings["dlib"] for o in originals]), centroids)
    elif config.training_data:
        skipped["training_identity"] = "needs the dlib recognizer"
    methods: dict[str, dict] = {}
    grid_runs = {}
    hits: list[dict] = []
    misses: list[dict] = []
    keys = [photo_key(runner.root, p) for p in runner.photos]
    faces = {}  # variant -> its faces' flags, for the paired differences between variants
    for v in variants:
        runs = {s: runner.run(v, s, originals) for s in runner.seeds_for(v)}
        runner.release(v)  # its model and detector graphs are done: free them before the next variant
        per_seed = [{"identity": aggregate.identity_figures(originals, runs[s], recognizers),
                     "utility": aggregate.utility_figures(originals, runs[s], shapes)} for s in runs]
        summary = aggregate.seed_summary(per_seed)
        first = runs[min(runs)]
        summary["quality"] = aggregate.quality_figures(
            originals, first, inception if v != REFERENCE else None, real_features
        )
        summary["identity_by_size"] = identity_by_size(originals, runs, recognizers)
        summary["intervals"] = rate_intervals(originals, runs, recognizers)
        summary["diversity"] = aggregate.diversity_figures(runs, recognizers)
        if v != REFERENCE:
            hits += hit_rows(v.label, runs, originals, keys, recognizers)
            misses += miss_rows(v.label, runs, originals, keys)
            faces[v.label] = run_faces(v.label, keys, originals, runs, recognizers)
            if centroids is not None:  # the paired tables then compare the training-identity share too
                faces[v.label].near_training = near_training_flags(originals, runs, centroids, unseen)
        summary["seeds"] = sorted(runs)
        if centroids is not None:
            # here: the training data loader (torch), only with --training-data
            from id2face.evaluation.training_gallery import training_identity_figures

            every = [x for s in runs for x in runs[s]]
            summary["training_identity"] = training_identity_figures(
                np.concatenate([x.embeddings["dlib"] for x in every]),
                np.concatenate([x.detected for x in every]), centroids, unseen)
        methods[v.label] = summary
        grid_runs[v.label] = first
    runner.close()
    for label, paired in paired_with_base(faces).items():
        methods[label]["paired"] = paired
    add_fid_ratios(methods, floor["fid"] if floor else float("nan"))
    result = {
        "config": config.to_dict(),
        "versions": report.package_versions(),
        "recognizer_thresholds": {
            r.name: {"metric": r.metric, "threshold": r.threshold} for r in recognizers
        },
        "photos": len(runner.photos),
        "faces": int(sum(len(o.boxes) for o in originals)),
        "methods": methods,
        "fid_floor": floor,  # None when FID is not measured
        "skipped": skipped,
        "seconds": time.perf_counter() - t0,
    }
    images = {}
    if report.plot_reid_vs_pose(result, out / "reid_vs_pose.png"):
        images["Re-identification against pose error"] = "reid_vs_pose.png"
    if report.plot_diversity(result, out / "diversity.png"):
        images["Diversity across seeds"] = "diversity.png"
    rows = []
    labels = [v for v in grid_runs if v != REFERENCE.label]
    for i, o in enumerate(originals):
        for j in range(len(o.boxes)):
            if len(rows) < config.grid_images:
                rows.append([o.crops[j]] + [grid_runs[v][i].crops[j] for v in labels])
    if rows:
        report.image_grid(rows, ["original"] + labels, out / "grid.png")
        images["Originals and each method"] = "grid.png"
    write_hits(hits, out / "hits.csv")
    write_misses(misses, out / "misses.csv")
    report.write_json(result, out / "report.json")
    report.write_markdown(result, out / "report.md", images)
    report.write_html(result, out / "report.html", images)
    return result
