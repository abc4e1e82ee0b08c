"""`id2face bench`: faces/s, latency, time per stage and peak memory on generated photos."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from id2face.cli.options import (
    add_batch_argument,
    add_method_argument,
    add_model_arguments,
    add_runtime_arguments,
    runtime_options,
)
from id2face.methods.registry import build_method, default_method

EPILOG = """examples:
  id2face bench                                   # the bundled model on CPU, 8 photos x 2 faces
  id2face bench --faces 1,2,4,8                   # time per face as the faces per photo grow
  id2face bench --size 8660x5773 --photos 1       # a 50-megapixel photo: memory stays bounded
  id2face bench --config sd15 --device cuda --batch-photos 8 --faces 4   # SD-1.5-size model, random weights
  id2face bench --device cuda --batch-photos 64 --faces 16 --compile      # throughput on a GPU
Figures measure speed only; quality comes from `id2face eval`.
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    add_method_argument(p, "method to time (default: id2face if a model is available, else blur)")
    add_model_arguments(p)
    p.add_argument(
        "--config",
        metavar="NAME",
        help="time a model of this training config's architecture (tiny, "
        "sd15 or a YAML file) with random weights; sd15 needs no Stable Diffusion download",
    )
    p.add_argument("--photos", type=int, default=8, help="generated photos to anonymize (default: 8)")
    p.add_argument(
        "--faces", default="2", help="faces per photo, or a comma list to see the scaling (default: 2)"
    )
    p.add_argument("--size", default="960x720", help="photo size WxH (default: 960x720)")
    add_batch_argument(p, 1, "1")
    p.add_argument("--warmup", type=int, default=1, help="untimed warm-up rounds (default: 1)")
    add_runtime_arguments(p)
    p.add_argument(
        "--json", metavar="FILE", help="also write the figures as JSON (a list, one per face count)"
    )


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size expects WxH, e.g. 1920x1080, got {text!r}") from None
    if w < 64 or h < 64:
        raise ValueError(f"--size {text}: photos must be at least 64x64")
    return w, h


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.bench import config_method, run_bench

    try:
        size = _size(args.size)
        counts = [int(v) for v in args.faces.split(",") if v.strip()]
        if not counts or min(counts) < 0:
            raise ValueError(f"--faces expects counts >= 0, got {args.faces!r}")
        runtime = runtime_options(args)
        if args.config and not args.model:
            method = config_method(args.config, device=args.device, steps=args.steps, **runtime)
            label = f"{args.config} architecture, random weights (speed only)"
        else:
            name = args.method or default_method(args.model)
            method = build_method(name, args.model, device=args.device, steps=args.steps, **runtime)
            label = args.model or ("bundled" if name == "id2face" else "")
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    results = []
    for n in counts:
        res = run_bench(method, device=args.device, photos=args.photos, faces_per_photo=n, batch=args.batch,
                        warmup=args.warmup, size=size, model_label=label)
        res.settings.update({k: v for k, v in runtime.items() if v not in (None, False)})
        print(res.table(), end="\n\n", flush=True)
        results.append(res)
    if len(results) > 1:
        print(scaling_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


def scaling_table(results: list) -> str:
    """Time per photo and per face as the faces per photo grow (per-face time should stay flat)."""
    lines = ["faces/photo  ms/photo  ms/face  faces/s", "-----------  --------  -------  -------"]
    for r in results:
        per_photo = 1000 * r.seconds / max(r.photos, 1)
        lines.append(
            f"{r.faces_per_photo:>11}  {per_photo:>8.1f}  {r.ms_per_face:>7.1f}  {r.faces_per_s:>7.2f}"
        )
    return "\n".join(lines)
