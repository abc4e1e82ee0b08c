"""`id2face sample`: write the public-domain sample portrait so the first command needs no data."""

from __future__ import annotations

import argparse
import sys


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default="sample.png", help="where to write it (default: sample.png)")


def run(args: argparse.Namespace) -> int:
    import skimage.data

    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.io.images import save_image

    save_image(skimage.data.astronaut(), args.path)
    print(f"wrote {args.path} (NASA astronaut portrait, public domain, from scikit-image)", file=sys.stderr)
    return 0
