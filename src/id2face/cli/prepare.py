"""`id2face prepare`: identity-labelled photos -> a training dataset (shards + manifest)."""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  id2face prepare ../shared/data/celeba-wild -o data/celeba128 --size 128
  id2face prepare lfw/ vggface2/train/ -o data/mixed128          # several sources, one dataset
  id2face prepare photos/ -o data/mine --split 0.1 --workers 4    # rerun the same command to resume

SRC is a folder per identity (LFW, VGGFace2: SRC/<identity>/<photo>) or a folder with identities.csv
(columns file,identity; file relative to the csv's folder). Photos with no face, several faces or a
face too small are dropped and counted in DATASET_DIR/manifest.json.
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("sources", nargs="+", metavar="SRC", help="identity-labelled photo folders")
    p.add_argument("-o", "--output", required=True, metavar="DATASET_DIR", help="dataset folder to write")
    p.add_argument("--size", type=int, default=128, help="crop side in pixels (default: 128)")
    p.add_argument(
        "--template", default="ffhq", choices=["ffhq", "arcface"], help="crop template (default: ffhq)"
    )
    p.add_argument(
        "--recognizer", default="dlib_resnet_v1", help="identity encoder (default: dlib_resnet_v1)"
    )
    p.add_argument(
        "--recognizer-onnx", metavar="PATH", help="an ArcFace-style ONNX recognizer instead of dlib"
    )
    p.add_argument("--split", type=float, default=0.05,
                   help="fraction of identities held out for validation (default: 0.05)")
    p.add_argument("--seed", type=int, default=0, help="seed of the validation split (default: 0)")
    p.add_argument("-t", "--thresh", type=float, default=0.5, help="face detection threshold (default: 0.5)")
    p.add_argument("--min-face", type=float, default=20.0,
                   help="drop faces whose eye-to-mouth span is below this many photo pixels (default: 20)")
    p.add_argument(
        "-j", "--workers", type=int, default=None, help="worker processes (default: all CPU cores)"
    )
    p.add_argument("--limit", type=int, default=None, help="use only the first N photos (quick trials)")
    p.add_argument("--overwrite", action="store_true", help="start over instead of resuming")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.training.extract import ExtractConfig
    from id2face.training.prepare import prepare_dataset

    cfg = ExtractConfig(size=args.size, template=args.template, recognizer=args.recognizer,
                        recognizer_onnx=args.recognizer_onnx, threshold=args.thresh, min_face=args.min_face)
    try:
        m = prepare_dataset(args.sources, args.output, cfg, split=args.split, seed=args.seed,
                            workers=args.workers, limit=args.limit, overwrite=args.overwrite,
                            progress=not args.quiet)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    dropped = ", ".join(f"{k} {v}" for k, v in m["dropped"].items() if v) or "none"
    print(
        f"{args.output}: {m['num_samples']} faces of {len(m['identities'])} identities from "
        f"{m['num_photos']} photos (dropped: {dropped}); validation identities: {len(m['splits']['val'])}",
        file=sys.stderr,
    )
    return 0
