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


def model_samplers(model_dir: str | os.PathLike | None) -> tuple[str, ...] | None:
    """The samplers `model_dir` records as working (training.json "samplers"), None when it records none
    (or when there is no directory: a pipeline built in memory)."""
    if not model_dir:
        return None
    card = Path(model_dir) / "training.json"
    try:
        listed = json.loads(card.read_text()).get("samplers")
    except (OSError, ValueError, AttributeError):
        return None
    return tuple(str(s) for s in listed) if listed else None


def check_sampler(sampler: str, model_dir: str | os.PathLike | None) -> None:
    """ValueError, naming the samplers that work, when `sampler` does not suit the model in `model_dir`.

    The one check: the library runs it where a sampler is swapped in (methods.runtime.set_sampler), the
    CLI before any model loads (cli.checks), so `Anonymizer(sampler=...)` refuses what `--sampler` does.
    """
    works = model_samplers(model_dir)
    if works is not None and sampler not in works:
        raise ValueError(
            f"sampler {sampler!r} does not suit this model ({model_dir}): it works with {', '.join(works)} "
            "only (the model card's steps and samplers; leave the sampler unset for the model's own)")
