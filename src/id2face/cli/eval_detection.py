"""`id2face eval --detection`: recall and false alarms of the face detectors on composed scenes."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("detection benchmark (--detection)")
    g.add_argument(
        "--detection",
        action="store_true",
        help="measure face detection instead: scenes composed from the photos under --data (faces "
        "16 px to 90%% of the frame, cut by each edge, turned, half covered, defocused, dark, crowds, "
        "printed in dots, an upright face beside a turned one, a crowd in a 12-MP photo, a face mostly "
        "past an edge) and "
        "face-free images; prints recall by category and false alarms for each detector and fused",
    )
    g.add_argument(
        "--video",
        action="store_true",
        help="with --detection: measure the video front-end instead, on one-second clips made from those "
        "photos (a face walking in from an edge, moving fast, in dim light too, passing behind something, "
        "turning, small in a "
        "compressed stream, fading to dark): face-frames found per frame and as anonymized (tracks, gaps "
        "filled), and faces left in at least one frame",
    )
    g.add_argument("--clips", type=int, default=20, metavar="N",
                   help="clips per kind with --video (default: 20)")
    g.add_argument(
        "--per-category", type=int, default=60, metavar="N", help="scenes per category (default: 60)"
    )
    g.add_argument("--face-free", type=int, default=60, metavar="N", help="face-free images (default: 60)")
    g.add_argument("--mosaics", type=int, default=10, metavar="N",
                   help="large face-free mosaics of those images at their own pixels, 1280x960 and "
                   "4032x3024 in turn: false alarms of the finer scales' tiles (default: 10)")
    g.add_argument("--seed", type=int, default=0, help="seed of the scenes (default: 0)")
    g.add_argument(
        "--categories",
        metavar="LIST",
        help="comma list of category name starts, e.g. tiny,cut (default: all); a category's scenes "
        "are the same with or without the others",
    )
    g.add_argument(
        "--detectors",
        metavar="LIST",
        help="comma list of detector setting name starts: mediapipe, centerface, fused, dots, upright, "
        "coarse, edges, every, gate (default: all)",
    )


def run(args: argparse.Namespace) -> int:
    from id2face.evaluation.detection import BenchSettings, run_detection_bench, table

    if not args.data:
        print("error: --detection needs --data DIR (photos with faces, e.g. ../shared/data)", file=sys.stderr)
        return 2
    if args.video:
        return _run_video(args)
    settings = BenchSettings(
        Path(args.data),
        per_category=args.per_category,
        face_free=args.face_free,
        mosaics=args.mosaics,
        seed=args.seed,
        categories=_names(args.categories),
        detectors=_names(args.detectors),
    )
    try:
        results = run_detection_bench(settings)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = {
        "settings": {k: str(v) for k, v in asdict(settings).items()},
        "detectors": {k: v.as_dict() for k, v in results.items()},
    }
    return _give(args, "detection", table(results), report)


def _run_video(args: argparse.Namespace) -> int:
    from id2face.evaluation.detection.video import run_video_bench, video_table

    try:
        tally = run_video_bench(Path(args.data), per_kind=args.clips, seed=args.seed)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = {"clips_per_kind": args.clips, "seed": args.seed, **tally.as_dict()}
    return _give(args, "video", video_table(tally), report)


def _give(args: argparse.Namespace, name: str, text: str, report: dict) -> int:
    """Print the table; with -o, write it and the report as NAME.txt and NAME.json there."""
    print(text)
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.txt").write_text(text + "\n")
        (out / f"{name}.json").write_text(json.dumps(report, indent=1))
    return 0


def _names(s: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (s or "").split(",") if x.strip())
