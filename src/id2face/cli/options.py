"""The options several subcommands share, declared once with one help text each.

Light imports only (argparse, the method registry): every subcommand's parser is built for
`id2face --help`.
"""

from __future__ import annotations

import argparse

from id2face.methods.registry import METHODS
from id2face.methods.sampler_choice import SAMPLER_NAMES

DTYPES = ("auto", "float32", "bfloat16", "float16")
# model.config.ATTRIBUTE_CHOICES, written out: importing id2face.model loads torch, which --help must not
# (a test checks the two agree)
ATTRIBUTE_CHOICES = ("keep", "gender", "free")


def add_method_argument(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("-m", "--method", default=None, choices=METHODS, help=help_text)


def add_model_arguments(p: argparse.ArgumentParser, overrides: bool = False) -> None:
    """--model, --device, --steps. overrides=True: no defaults of their own (a config file's hold)."""
    p.add_argument("--model", metavar="DIR", help="ID2Face model directory (default: the bundled model)")
    p.add_argument("--device", default=None if overrides else "cpu",
                   help="torch device for the id2face method, e.g. cpu or cuda (default: cpu"
                   + (", or the --config file's)" if overrides else ")"))
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's own; 8 for "
                   "the bundled model)")


def add_seed_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="seed for the new identities (default: 0)")


def add_batch_argument(p: argparse.ArgumentParser, default: int | None, default_text: str) -> None:
    """--batch-photos (old spelling --batch, hidden): photos or video frames per method call."""
    p.add_argument("--batch-photos", dest="batch", type=int, default=default, metavar="N",
                   help=f"photos (or video frames) per method call (default: {default_text})")
    p.add_argument("--batch", dest="batch", type=int, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_runtime_arguments(p: argparse.ArgumentParser) -> None:
    """Sampler and speed flags of the id2face method (anonymize, live, web, bench)."""
    p.add_argument("--sampler", choices=SAMPLER_NAMES, default=None,
                   help="diffusion sampler (default: the model's own). The bundled model works with ddpm "
                   "only and refuses the others; a model of your own may use any")
    p.add_argument("--guidance", type=float, default=None, metavar="G",
                   help="identity guidance: above 1 the new face moves further from what the rest of the "
                   "photo suggests (the real person), at the cost of a second denoiser pass per step "
                   "(default: the model's own; 1 = off)")
    p.add_argument("--identity-candidates", type=int, default=None, metavar="K",
                   help="fake identities drawn per face, the one least like the real person kept (default: "
                   "the model's own; 1 = the first draw)")
    p.add_argument("--face-shape", type=float, default=None, metavar="F",
                   help="share (0 to 1) of each face's own shape (jaw, chin, eye spacing: what a recognizer "
                   "reads from its outline) the new face does not keep: a shape drawn for the new person "
                   "replaces it, pose and expression stay (default: the model's own; 0 = the face's own)")
    p.add_argument("--attributes", choices=ATTRIBUTE_CHOICES, default=None,
                   help="keep: the new person looks the gender and age the real one looks (of the identity "
                   "candidates, those the model's read-outs judge so come first); gender: the gender only; "
                   "free: any candidate, the least like the real person. Given, it holds for every face; "
                   "default: the model's own (the bundled model keeps the gender of faces 150 px or wider: "
                   "on smaller ones it doubled re-identification)")
    p.add_argument("--skin-tone", type=float, default=None, metavar="G",
                   help="experimental: how far each new person's skin tone moves toward the real face's "
                   "(0 = not at all; 1 = the tone the model reads from the real face, which is only part of "
                   "it: 3 brings dark-skinned faces dark-skinned new ones, at a privacy cost); default: the "
                   "model's own (the bundled model: 0)")
    p.add_argument("--dtype", choices=DTYPES, default="auto",
                   help="model precision (default auto: bfloat16 on CUDA, float32 on CPU)")
    p.add_argument("--batch-faces", dest="batch_size", type=int, default=32, metavar="N",
                   help="faces per denoiser batch (default: 32)")
    p.add_argument(
        "--batch-size", dest="batch_size", type=int, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    p.add_argument("--compile", action="store_true", help="torch.compile the denoiser (slow first batch)")
    p.add_argument("--consistent", action="store_true",
                   help="one fake identity per real person across all inputs (keeps a dataset's identity "
                   "structure; those photos stay linkable to each other)")


def runtime_options(args: argparse.Namespace) -> dict:
    return {
        "sampler": args.sampler,
        "guidance": args.guidance,
        "identity_candidates": args.identity_candidates,
        "face_shape": args.face_shape,
        **({"attributes": args.attributes} if args.attributes else {}),
        "skin_tone": args.skin_tone,
        "dtype": args.dtype,
        "batch_size": args.batch_size,
        "compile": args.compile,
        "consistent": args.consistent,
    }
