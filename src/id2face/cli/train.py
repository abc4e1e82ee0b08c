"""`id2face train`: stage 1 trains the ID-VAE, stage 2 the conditional denoiser; then save_pretrained."""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  id2face train --config tiny                                  # CPU or one GPU
  id2face train --config tiny --data data/celeba128,data/lfw128 --output runs/tiny
  id2face train --config tiny --output runs/tiny --resume      # continue after a stop
  accelerate launch --multi_gpu --num_processes 4 -m id2face.cli.main train --config sd15

The finished model is written to OUTPUT/model (load it with `id2face anonymize --model OUTPUT/model`).
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument(
        "--config", required=True, metavar="CONFIG",
        help="training config: tiny, latent128, latent256, sd15 or a YAML file",
    )
    p.add_argument("--data", metavar="DIR[,DIR...]", help="dataset folder(s) written by `id2face prepare`")
    p.add_argument("--output", metavar="DIR", help="run folder: checkpoints, logs, samples, final model")
    p.add_argument("--max-steps", type=int, metavar="N", help="stop stage 2 after N optimizer steps")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --output")
    p.add_argument(
        "--init",
        metavar="MODEL_DIR",
        help="fine-tune a saved model (e.g. the bundled one) instead of "
        "starting from random weights (= --set train.init_from=MODEL_DIR)",
    )
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.batch_size=16 (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.training.config import load_train_config
    from id2face.training.trainer import train

    try:
        cfg = load_train_config(args.config, overrides=args.set)
        if args.data:
            cfg.data.dirs = [d for d in args.data.split(",") if d]
        if args.output:
            cfg.output = args.output
        if args.max_steps is not None:
            cfg.train.max_steps = args.max_steps
        if args.init:
            cfg.train.init_from = args.init
        out = train(cfg, resume=args.resume, progress=not args.quiet)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"model written to {out}", file=sys.stderr)
    return 0
