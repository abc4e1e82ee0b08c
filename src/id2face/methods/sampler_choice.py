"""Which samplers a model may be run with, known before it loads (for --help and the option checks).

The sampler names are spelled here without diffusers (model.samplers builds them; a test keeps the two
lists equal) so that building `--help` imports neither torch nor diffusers. A model directory can
record in training.json's "samplers" the samplers it was measured to work with: the bundled model's
coarse x0 estimates turn the deterministic samplers' output into speckle (its model card, "Steps and
samplers"), so it lists ddpm only, and another sampler is a usage error rather than noise in every
output. A model that records nothing may use any.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SAMPLER_NAMES = ("ddpm", "ddim", "dpmsolver", "dpmsolver-sde", "unipc")


def model_samplers(model_dir: str | os.PathLike) -> tuple[str, ...] | None:
    """The samplers `model_dir` records as working (training.json "samplers"), None when it records none."""
    card = Path(model_dir) / "training.json"
    try:
        listed = json.loads(card.read_text()).get("samplers")
    except (OSError, ValueError, AttributeError):
        return None
    return tuple(str(s) for s in listed) if listed else None


def sampler_error(sampler: str | None, model_dir: str | os.PathLike) -> str | None:
    """One line when `sampler` does not suit the model in `model_dir`, else None."""
    works = model_samplers(model_dir) if sampler else None
    if works is None or sampler in works:
        return None
    return (f"--sampler {sampler} does not suit this model ({model_dir}): it works with "
            f"{', '.join(works)} only (the model card's steps and samplers; leave --sampler out for its own)")
