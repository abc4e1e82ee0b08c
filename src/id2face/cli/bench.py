"""`id2face bench`: faces/s, latency, time per stage and peak memory on generated photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("-m", "--method", default=None, choices=["id2face", "blur", "pixelate", "mask"],
                   help="method to time (default: id2face if a model is available, else blur)")
    p.add_argument("--model", metavar="DIR", help="ID2Face model directory (default: the bundled model)")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--photos", type=int, default=8, help="generated photos to anonymize (default: 8)")
    p.add_argument("--faces", type=int, default=2, help="faces per photo (default: 2)")
    p.add_argument("--batch", type=int, default=1, help="photos per method call (default: 1)")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")


def run(args: argparse.Namespace) -> int:
    from id2face.anonymizer import default_method
    from id2face.bench import run_bench, to_json

    method = args.method or default_method(args.model)
    try:
        res = run_bench(method, model=args.model, device=args.device, photos=args.photos,
                        faces_per_photo=args.faces, batch=args.batch, steps=args.steps)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(res.table())
    if args.json:
        Path(args.json).write_text(to_json(res))
    return 0
