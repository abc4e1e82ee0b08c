"""Typed configuration of the ID2Face model (the training helper loads YAML into these).

Every **ours** design choice of docs/method.md sits behind a field here, so that the ablations
(`alignment`, `fusion`, OIM strength, identity dropout) are a config change, not a code change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

# Sampling steps of a model that records none (training.json's inference_steps records a trained
# model's own); every default in the package comes from here or from that record.
DEFAULT_STEPS = 20


# Identity guidance of a model that records none: 1 = plain conditional sampling (one denoiser pass per step).
DEFAULT_GUIDANCE = 1.0
# The share of the sampling steps run unguided before guidance starts, for a model that records none.
DEFAULT_GUIDANCE_START = 0.0
# Fake identities drawn per face (the one least like the source kept) by a model that records none.
DEFAULT_IDENTITY_CANDIDATES = 1
# Share of a face's own shape redrawn in the geometry the model is given (model/face_shape.py), for a model
# that records none: 0 = the face's own mesh.
DEFAULT_FACE_SHAPE = 0.0
# How widely the drawn shapes spread, in units of the training people's spread, for a model that records none.
DEFAULT_FACE_SHAPE_SPREAD = 1.0


def _recorded(model_dir: str | Path, key: str, default: float) -> float:
    card = Path(model_dir) / "training.json"
    try:
        return float(json.loads(card.read_text()).get(key, default))
    except (OSError, ValueError, AttributeError):
        return default


def checked_sampling(guidance_scale: float, guidance_start: float, identity_candidates: int
                     ) -> tuple[float, float, int]:
    """The sampling settings of one pipeline call as numbers, or a ValueError naming the bad one."""
    if not float(guidance_scale) >= 0.0:
        raise ValueError(f"guidance_scale must be >= 0, got {guidance_scale!r}")
    if not 0.0 <= float(guidance_start) <= 1.0:
        raise ValueError(f"guidance_start must be from 0 to 1, got {guidance_start!r}")
    if int(identity_candidates) < 1:
        raise ValueError(f"identity_candidates must be at least 1, got {identity_candidates!r}")
    return float(guidance_scale), float(guidance_start), int(identity_candidates)


# How a fake identity's look is chosen among the identity candidates (model/identity_attributes.py): "keep"
# the judged gender and age of the face it replaces, keep its "gender" only, or leave both "free" (the choice
# of a model that records none, training.json "attributes").
ATTRIBUTE_CHOICES = ("keep", "gender", "free")
DEFAULT_ATTRIBUTES = "free"
# How far each fake identity moves toward its source's skin tone (model/skin_tone.py; 0: not at all) where the
# model records none (training.json "skin_tone"); it needs the model's skin_tone.safetensors.
DEFAULT_SKIN_TONE = 0.0


def checked_attributes(value: str | list[str]) -> str | list[str]:
    """One choice of ATTRIBUTE_CHOICES, or a list of them (one per face)."""
    for v in [value] if isinstance(value, str) else value:
        if v not in ATTRIBUTE_CHOICES:
            raise ValueError(f"attributes must be one of {', '.join(ATTRIBUTE_CHOICES)}, not {v!r}")
    return value


def same_setting(a, b) -> bool:
    """Two recorded settings agree (point lists to 1e-6, as JSON round trips them; anything else equal)."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=1e-6))
    return a == b


def checked_amount(value: float) -> float:
    """A face-shape share as a number from 0 to 1, or a ValueError."""
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"face_shape must be from 0 to 1, got {value!r}")
    return float(value)


def checked_skin_tone(value: float) -> float:
    """A skin-tone gain (model/skin_tone.py) as a number from 0 to 10, or a ValueError."""
    if not 0.0 <= float(value) <= 10.0:
        raise ValueError(f"skin_tone must be in [0, 10], not {value!r}")
    return float(value)


def checked_spread(value: float) -> float:
    """A face-shape spread as a number from 0 to 3 (times the training people's), or a ValueError."""
    if not 0.0 <= float(value) <= 3.0:
        raise ValueError(f"face_shape_spread must be from 0 to 3, got {value!r}")
    return float(value)


def recorded_steps(model_dir: str | Path) -> int:
    """The sampling steps a saved model was exported with (training.json), else DEFAULT_STEPS."""
    return int(_recorded(model_dir, "inference_steps", DEFAULT_STEPS))


def recorded_guidance(model_dir: str | Path) -> float:
    """The identity guidance scale chosen for a saved model (training.json), else DEFAULT_GUIDANCE."""
    return _recorded(model_dir, "guidance_scale", DEFAULT_GUIDANCE)


def recorded_guidance_start(model_dir: str | Path) -> float:
    """The share of sampling steps run before identity guidance starts (training.json), else
    DEFAULT_GUIDANCE_START."""
    return _recorded(model_dir, "guidance_start", DEFAULT_GUIDANCE_START)


def recorded_mask_dilate(model_dir: str | Path) -> float | None:
    """How far past the face's outline the replaced region grows for a saved model (training.json
    "mask_dilate", a fraction of the crop: the width it was trained to fill and evaluated at); None when the
    model records none (the front-end's own default then)."""
    value = _recorded(model_dir, "mask_dilate", math.nan)
    return None if math.isnan(value) else value


def recorded_identity_candidates(model_dir: str | Path) -> int:
    """Fake identities drawn per face for a saved model (training.json), else DEFAULT_IDENTITY_CANDIDATES."""
    return int(_recorded(model_dir, "identity_candidates", DEFAULT_IDENTITY_CANDIDATES))


def recorded_face_shape(model_dir: str | Path) -> float:
    """The share of a face's own shape redrawn for a saved model (training.json "face_shape"), else
    DEFAULT_FACE_SHAPE."""
    return _recorded(model_dir, "face_shape", DEFAULT_FACE_SHAPE)


def recorded_face_shape_spread(model_dir: str | Path) -> float:
    """How widely a saved model's drawn face shapes spread (training.json "face_shape_spread"), else
    DEFAULT_FACE_SHAPE_SPREAD."""
    return _recorded(model_dir, "face_shape_spread", DEFAULT_FACE_SHAPE_SPREAD)


def recorded_defaults(model_dir: str | Path) -> dict[str, float | int | None]:
    """Every default a saved model records, keyed by the ID2FacePipeline attribute that holds it."""
    return {
        "default_steps": recorded_steps(model_dir),
        "default_guidance": recorded_guidance(model_dir),
        "default_identity_candidates": recorded_identity_candidates(model_dir),
        "default_guidance_start": recorded_guidance_start(model_dir),
        "default_mask_dilate": recorded_mask_dilate(model_dir),
        "default_attributes": recorded_attributes(model_dir),
        "default_attributes_min_px": _recorded(model_dir, "attributes_min_px", 0.0),
        "default_skin_tone": _recorded(model_dir, "skin_tone", DEFAULT_SKIN_TONE),
    }


def recorded_attributes(model_dir: str | Path) -> str:
    """How a saved model chooses its fake identities' look (training.json "attributes"), else
    DEFAULT_ATTRIBUTES; a value it does not know is a ValueError."""
    card = Path(model_dir) / "training.json"
    try:
        value = json.loads(card.read_text()).get("attributes", DEFAULT_ATTRIBUTES)
    except (OSError, ValueError, AttributeError):
        return DEFAULT_ATTRIBUTES
    return checked_attributes(value)


@dataclass
class IDVAEConfig:
    """VAE over recognizer embeddings; its latent space is the identity space that OIM samples in."""

    embed_dim: int = 128  # recognizer embedding size (dlib: 128, ArcFace: 512)
    latent_dim: int = 16  # small, so random directions are not orthogonal to mu_src by chance
    hidden_dim: int = 256
    num_layers: int = 2
    beta: float = 1e-3  # weight of the KL term in the ID-VAE loss


@dataclass
class NonIdentityConfig:
    """Conv encoder over the identity-masked crop plus geometry maps."""

    geometry_channels: int = 4  # see geometry_maps.GEOMETRY_CHANNELS
    block_channels: tuple[int, ...] = (32, 64, 128, 128)  # one feature map per scale
    first_stride: int = 1  # 1 for pixel space; 8 to start at an SD latent resolution
    num_tokens: int = 4


@dataclass
class RecomposerConfig:
    """IDLR: identity tokens + non-identity tokens, optionally with bidirectional alignment."""

    width: int = 128  # shared token width; must equal the denoiser's cross_attention_dim
    num_id_tokens: int = 4
    num_heads: int = 4
    alignment: Literal["none", "bidirectional"] = "bidirectional"


@dataclass
class HarmonizerConfig:
    """IGLH: one soft gate per denoiser resolution."""

    fusion: Literal["gated", "add"] = "gated"
    time_dim: int = 64
    gate_time_channels: int = 8
    num_heads: int = 4


@dataclass
class PixelDenoiserConfig:
    """The small default denoiser: a diffusers UNet2DConditionModel working on pixels."""

    block_out_channels: tuple[int, ...] = (32, 64, 128, 128)
    layers_per_block: int = 1
    attention_head_dim: int = 32
    # Cross-attention to the recomposed tokens only at the coarsest level (cheap on a CPU); the
    # IGLH gates bring the identity to every level. ~6.4 M params with the gates, ~3.7 GFLOP/step.
    down_block_types: tuple[str, ...] = ("DownBlock2D", "DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D")
    up_block_types: tuple[str, ...] = ("CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D")
    norm_num_groups: int = 8
    patch_size: int = 2  # pixel-unshuffle factor: the UNet runs at crop_size / patch_size


@dataclass
class ID2FaceConfig:
    """The whole model: which backbone, which recognizer, which ablation flags."""

    backbone: Literal["pixel", "latent", "taef2"] = "pixel"  # taef2: own small UNet on the bundled TAEF2
    base_model: str | None = None  # local SD 1.5/2.1 directory (latent backbone), or random:sd15 (benchmarks)
    crop_size: int = 128
    template: str = "ffhq"  # crop template name from id2face.geometry.TEMPLATES
    recognizer: str = "dlib_resnet_v1"
    idvae: IDVAEConfig = field(default_factory=IDVAEConfig)
    nonid: NonIdentityConfig = field(default_factory=NonIdentityConfig)
    recomposer: RecomposerConfig = field(default_factory=RecomposerConfig)
    harmonizer: HarmonizerConfig = field(default_factory=HarmonizerConfig)
    denoiser: PixelDenoiserConfig = field(default_factory=PixelDenoiserConfig)
    num_train_timesteps: int = 1000
    prediction_type: Literal["epsilon", "v_prediction"] = "epsilon"


@dataclass
class LossConfig:
    """Weights of training_losses (docs/method.md, items 4 and 6)."""

    p_drop_id: float = 0.1  # identity condition -> learned null token with this probability
    mask_weight: float = 4.0  # diffusion loss weight inside the face mask (1 outside)
    idvae_weight: float = 1.0
    align_weight: float = 0.1
    min_snr_gamma: float = 0.0  # > 0: min-SNR-gamma weighting of the diffusion loss (latent-cache training)
