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
    ("compare", "compare", "compare two eval runs (or two variants) face by face, with paired intervals"),
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
        add_threads_argument(p)
        p.set_defaults(_run=mod.run, _parser=p)
    return parser


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def add_threads_argument(p: argparse.ArgumentParser) -> None:
    """--threads for every subcommand (declared here once: it is applied before any subcommand runs)."""
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="CPU threads for the model and OpenCV (default: OMP_NUM_THREADS, else the cores "
                   "this process may use, at most 8); on a machine shared with other busy processes, "
                   "fewer threads can be faster; the output is the same at any count")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    from id2face.cli.checks import option_errors
    from id2face.threads import set_threads

    for problem in option_errors(args)[:1]:
        args._parser.error(problem)  # usage and the line, exit 2: before any model loads
    set_threads(args.threads)
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
