"""Sampler (diffusers scheduler) choice at inference time, over the noise schedule a model was trained with.

A model saves one scheduler; any of these can replace it without retraining, since they share the
training noise schedule (betas, prediction type, spacing). Pixel models keep their x0 estimate
inside the image range: DDPM/DDIM through `clip_sample`, DPM-Solver++/UniPC through thresholding
with a ceiling of 1 (which is exactly a clip to [-1, 1]).
"""

from __future__ import annotations

from typing import Any

from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, UniPCMultistepScheduler
from diffusers.schedulers.scheduling_utils import SchedulerMixin

SAMPLERS: dict[str, type] = {
    "ddpm": DDPMScheduler,
    "ddim": DDIMScheduler,
    "dpmsolver": DPMSolverMultistepScheduler,  # DPM-Solver++ (2M), deterministic
    "dpmsolver-sde": DPMSolverMultistepScheduler,  # SDE-DPM-Solver++ (2M): adds fresh noise each step
    "unipc": UniPCMultistepScheduler,
}


def sampler_name(scheduler: SchedulerMixin) -> str:
    """The SAMPLERS key of a scheduler instance ('custom' for anything else)."""
    if isinstance(scheduler, DPMSolverMultistepScheduler):
        return "dpmsolver-sde" if scheduler.config.algorithm_type.startswith("sde") else "dpmsolver"
    for name, cls in SAMPLERS.items():
        if type(scheduler) is cls:
            return name
    return "custom"


def make_sampler(name: str, config: dict[str, Any]) -> SchedulerMixin:
    """A scheduler of kind `name` over the noise schedule in `config` (another scheduler's config)."""
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")
    clip = bool(config.get("clip_sample", False) or config.get("thresholding", False))
    extra: dict[str, Any] = {}
    if SAMPLERS[name] in (DPMSolverMultistepScheduler, UniPCMultistepScheduler):
        extra = {"thresholding": clip, "sample_max_value": 1.0}
        if name.startswith("dpmsolver"):
            extra["algorithm_type"] = "sde-dpmsolver++" if name == "dpmsolver-sde" else "dpmsolver++"
    else:
        extra = {"clip_sample": clip, "clip_sample_range": 1.0}
    return SAMPLERS[name].from_config(dict(config), **extra)
