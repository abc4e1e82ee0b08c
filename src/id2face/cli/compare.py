"""`id2face compare`: two eval runs (or two variants of one), face by face, with paired intervals."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Compare two `id2face eval` output folders (a new model against the bundled one, say), or two "
        "variants of one folder, on the photos and seeds both ran: each re-identification rate (overall and "
        "by face width), the share of faces still detected and, where both evals were run with "
        "--training-data, the share of new faces nearer a training person than 95 % of unseen people, in A "
        "and in B, the difference B - A with a "
        "95 % interval (the photos drawn again whole, the same draw for both runs), how many faces fared "
        "better and worse in B, and whether the difference is shown. Reads the folders' caches: nothing "
        "runs again."
    )
    p.add_argument("a", metavar="A", help="eval output folder (the baseline)")
    p.add_argument("b", metavar="B", nargs="?",
                   help="eval output folder to compare with A (default: A itself, with --variant-b)")
    p.add_argument("--variant", default="id2face",
                   help="A's variant, as its report names it (default id2face)")
    p.add_argument("--variant-b", help="B's variant (default: the same as A's), e.g. id2face@tone=3")
    p.add_argument("--and", dest="more", nargs=2, action="append", default=[], metavar=("A2", "B2"),
                   help="another pair of eval folders, on another photo set, pooled with A and B (repeat for "
                   "more): each face is still re-identified in its own set's gallery, the photos of all sets "
                   "are drawn again together, and the seeds every pair ran are used")
    p.add_argument("-o", "--output",
                   help="also write the table here (.md), and the figures beside it (.json)")


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.evaluation.compare import compare_runs, comparison_markdown, read_pairs

    b_dir, b_variant = args.b or args.a, args.variant_b or args.variant
    if b_dir == args.a and b_variant == args.variant:
        raise SystemExit("id2face compare: A and B are the same run: give a second folder or --variant-b")
    try:
        a, b = read_pairs([(args.a, b_dir), *map(tuple, args.more)], args.variant, b_variant)
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"id2face compare: {e}") from None
    rows = compare_runs(a, b)
    text = comparison_markdown(a, b, rows)
    print(text, end="")
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        out.with_suffix(".json").write_text(json.dumps({"a": a.label, "b": b.label, "seeds": a.seeds,
                                                        "photos": len(a.keys), "rates": rows}, indent=1))
    return 0
