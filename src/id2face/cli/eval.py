"""`id2face eval`: anonymize a folder with several methods and measure privacy, utility, quality."""

from __future__ import annotations

import argparse
from pathlib import Path

from id2face.cli.options import add_model_arguments
from id2face.evaluation.config import VARIANT_OPTIONS
from id2face.methods.registry import METHODS


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=False, help="folder of photos (searched recursively)")
    p.add_argument("-o", "--output", help="report folder (report.json/.md/.html, plots, grid, cache)")
    p.add_argument("--config", help="YAML experiment file (configs/eval/*.yaml); flags override it")
    p.add_argument("--methods", help=f"comma list: {','.join(METHODS)}")
    p.add_argument("--ablations", help="comma list of method@key=value variants, e.g. id2face@strength=0 "
                   "(OIM off), id2face@faces=points (every face without its mesh, on its detector's five "
                   "points); keys: " + ", ".join(VARIANT_OPTIONS) + "; default: none (a --config file may "
                   "list some; 'none' drops them)")
    add_model_arguments(p, overrides=True)
    p.add_argument("--seeds", type=int, help="seeds per stochastic method (diversity; default 5)")
    p.add_argument("--recognizers", help="comma list: dlib,faceres (default both)")
    p.add_argument("--faceres-dir", help="folder with faceres.json/.bin (else $ID2FACE_FACERES_DIR, "
                   "~/.cache/id2face/faceres; get it with `id2face fetch-faceres`)")
    p.add_argument("--max-images", type=int, help="evaluate only the first N photos")
    p.add_argument("--no-fid", action="store_true", help="skip FID")
    p.add_argument("--training-data", help="comma list of the prepared datasets the model was trained on: "
                   "report how often a fake face looks like one of their identities")
    p.add_argument(
        "--sampler", help="sampler for the id2face method (ddpm, ddim, dpmsolver, dpmsolver-sde, unipc)"
    )
    from id2face.cli import eval_detection

    eval_detection.add_arguments(p)


def _list(s: str | None) -> list[str] | None:
    if s is None:
        return None
    return [] if s.strip().lower() in ("", "none") else [x.strip() for x in s.split(",") if x.strip()]


def _variants(s: str | None) -> list[str] | None:
    """Comma list of variants; a comma inside one (id2face@sampler=ddim,steps=8) stays with it."""
    if s is None or s.strip().lower() in ("", "none"):
        return _list(s)
    import re

    return [x.strip() for x in re.split(r",(?=\s*[\w-]+@)", s) if x.strip()]


def run(args: argparse.Namespace) -> int:
    if args.detection:
        from id2face.cli import eval_detection

        return eval_detection.run(args)
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.evaluation.config import EvalConfig
    from id2face.evaluation.evaluate import evaluate

    cfg = EvalConfig.from_yaml(
        args.config, data=args.data, output=args.output, methods=_list(args.methods),
        ablations=_variants(args.ablations), model=args.model, seeds=args.seeds,
        recognizers=_list(args.recognizers), faceres_dir=args.faceres_dir, max_images=args.max_images,
        fid=False if args.no_fid else None, device=args.device, steps=args.steps,
        sampler=args.sampler, training_data=_list(args.training_data),
    )
    if not cfg.data:
        raise SystemExit("id2face eval: --data DIR is required (or `data:` in the --config file)")
    print(cfg.summary())  # the defaults it uses too (ablations only when asked)
    result = evaluate(cfg)
    print(f"{result['photos']} photos, {result['faces']} faces -> {Path(cfg.output) / 'report.html'}")
    from id2face.evaluation.targets import verdict_lines

    for line in verdict_lines(result):
        print(f"  targets, {line}")
    return 0
