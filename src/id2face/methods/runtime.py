"""How a loaded ID2Face model runs: device, precision, sampler, steps and the speed options."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from id2face.model.pipeline import ID2FacePipeline
from id2face.model.samplers import make_sampler

from .sampler_choice import check_sampler

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class DiffusionOptions:
    """How a loaded model runs: where, in which precision, with which sampler and how many steps.

    dtype "auto" is bfloat16 on CUDA and float32 elsewhere (CPUs without bf16 units run it slower).
    The identity path (recognizer embedding, ID-VAE, OIM) always stays float32.
    """

    device: str = "cpu"
    steps: int | None = None  # None: the steps the model was exported with
    strength: float = 1.0
    guidance: float | None = None  # identity guidance; None: the model's own (training.json), else 1
    identity_candidates: int | None = None  # fake identities drawn per face; None: the model's own, else 1
    guidance_start: float | None = None  # share of steps before guidance starts; None: the model's own
    face_shape: float | None = None  # share of own face shape redrawn (model/face_shape.py); None: model's
    face_shape_spread: float | None = None  # drawn shapes' spread over the training people's; None: model's
    attributes: str | None = None  # keep / gender / free (model/identity_attributes.py); None: the model's
    attributes_min_px: float | None = None  # from this face width on; None: the model's (with its choice)
    skin_tone: float | None = None  # way moved to the face's skin tone (model/skin_tone.py); None: model's
    sampler: str | None = None  # None: the model's own scheduler; else a key of model.samplers.SAMPLERS
    dtype: str = "auto"
    channels_last: bool = True  # NHWC convolutions: 3-7 % faster per step on the 2-core CPU as well
    compile: bool = False  # torch.compile the denoiser (first batches pay the compile time)
    batch_size: int = 32  # faces per denoiser batch
    track_frames: int = 5  # a video track's source identity: the mean of its first N embeddings
    consistent: bool = False  # one fake identity per real person across the run (photos stay linkable)

    def check_device(self) -> None:
        """A clear message instead of torch's assertion when the asked device is not there."""
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(
                f"--device {self.device}: no CUDA device is available here (torch {torch.__version__}"
                f"{', built without CUDA' if torch.version.cuda is None else ''}); use --device cpu"
            )
        if self.device.startswith("mps") and not torch.backends.mps.is_available():
            raise ValueError(f"--device {self.device}: Apple MPS is not available here; use --device cpu")

    def torch_dtype(self) -> torch.dtype:
        if self.dtype == "auto":
            return torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be auto or one of {', '.join(DTYPES)}, got {self.dtype!r}")
        return DTYPES[self.dtype]


def prepare_pipeline(pipe: ID2FacePipeline, opts: DiffusionOptions) -> ID2FacePipeline:
    """Move to the device and precision, swap the sampler, and apply the speed options."""
    from diffusers.utils import logging as diffusers_logging

    opts.check_device()
    dtype = opts.torch_dtype()
    level = diffusers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()  # no "keep in float32" notes: our models list no such modules
    try:
        for name, module in pipe.components.items():
            if isinstance(module, torch.nn.Module):  # identity sampling (a tiny MLP) stays float32
                module.to(device=opts.device, dtype=torch.float32 if name == "idvae" else dtype)
    finally:
        diffusers_logging.set_verbosity(level)
    if opts.sampler:
        set_sampler(pipe, opts.sampler)
    if opts.channels_last:
        pipe.unet.to(memory_format=torch.channels_last)
    if opts.compile:
        pipe.compile_denoiser()
    return pipe


def set_sampler(pipe: ID2FacePipeline, sampler: str) -> None:
    """Swap the pipeline's sampler for `sampler` (a key of model.samplers.SAMPLERS) over its noise schedule.

    Refused with a ValueError when the model's training.json lists other samplers (the bundled model:
    ddpm only; the others turn its faces into speckle). Setting `pipe.scheduler` by hand skips the check.
    """
    check_sampler(sampler, pipe.name_or_path)
    pipe.scheduler = make_sampler(sampler, pipe.scheduler.config)
