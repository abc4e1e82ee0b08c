"""Option values checked before any work starts: a usage error, not a failure per file later on.

Checked on whatever subcommand declares the option (anonymize, live, web, bench, eval, ...), so the
check lives in one place whichever module declares the flag.
"""

from __future__ import annotations

import argparse

CLASSIC = ("blur", "pixelate", "mask")  # filters whose look --strength does not change
# Options of the id2face method alone: (argparse dest, flag, whether a value can work or None, what can).
ID2FACE_OPTIONS = (
    ("guidance", "--guidance", lambda v: v >= 0.0, "0 or more"),
    ("identity_candidates", "--identity-candidates", lambda v: v >= 1, "at least 1"),
    ("face_shape", "--face-shape", lambda v: 0.0 <= v <= 1.0, "from 0 to 1"),
    ("attributes", "--attributes", None, ""),
    ("skin_tone", "--skin-tone", lambda v: 0.0 <= v <= 10.0, "from 0 to 10"),
)


def option_errors(args: argparse.Namespace) -> list[str]:
    """One line per option whose value cannot work."""
    errors = []
    steps = getattr(args, "steps", None)
    if steps is not None and steps < 1:
        errors.append(f"--steps must be at least 1, not {steps} (leave it out for the model's own)")
    strength = getattr(args, "strength", None)
    if strength is not None and not 0.0 <= strength <= 1.0:
        errors.append(f"--strength must be from 0 to 1, not {strength:g}")
    elif strength is not None and strength != 1.0 and getattr(args, "method", None) in CLASSIC:
        errors.append(f"--strength is for the id2face method only: {args.method} has one strength "
                      "(it would change nothing)")
    quality = getattr(args, "quality", None)
    if quality is not None and not 1 <= quality <= 100:
        errors.append(f"--quality must be from 1 to 100, not {quality}")
    max_pixels = getattr(args, "max_pixels", None)
    if max_pixels is not None and max_pixels < 1:
        errors.append(f"--max-pixels must be at least 1, not {max_pixels}")
    method = getattr(args, "method", None)
    for dest, flag, fits, allowed in ID2FACE_OPTIONS:
        value = getattr(args, dest, None)
        if value is not None and fits is not None and not fits(value):
            errors.append(f"{flag} must be {allowed}, not {value:g}")
        elif value is not None and method in CLASSIC:
            errors.append(f"{flag} is for the id2face method only, not {method}")
    sampler = getattr(args, "sampler", None)
    random_weights = getattr(args, "command", None) == "bench" and getattr(args, "config", None)
    if sampler and getattr(args, "method", None) not in CLASSIC and not random_weights:
        # here, not at the top: the registry is only needed when a sampler is named
        from id2face.methods.registry import default_model_dir
        from id2face.methods.sampler_choice import check_sampler

        try:  # the library's own check (Anonymizer(sampler=...) refuses the same), before the model loads
            check_sampler(sampler, getattr(args, "model", None) or default_model_dir())
        except ValueError as e:
            errors.append(str(e))
    batch_size = getattr(args, "batch_size", None)
    if batch_size is not None and batch_size < 1:
        errors.append(f"--batch-size must be at least 1, not {batch_size}")
    return errors
