"""Tiny randomly initialised models for tests (of this package and of its users): seconds on a CPU."""

from __future__ import annotations

from pathlib import Path

import torch

from .config import (
    HarmonizerConfig,
    ID2FaceConfig,
    IDVAEConfig,
    NonIdentityConfig,
    PixelDenoiserConfig,
    RecomposerConfig,
)


def tiny_config(crop_size: int = 32, **overrides) -> ID2FaceConfig:
    """A two-level pixel model with a few channels per layer."""
    cfg = ID2FaceConfig(
        crop_size=crop_size,
        idvae=IDVAEConfig(embed_dim=128, latent_dim=8, hidden_dim=32),
        nonid=NonIdentityConfig(block_channels=(8, 16), num_tokens=2),
        recomposer=RecomposerConfig(width=16, num_id_tokens=2, num_heads=2),
        harmonizer=HarmonizerConfig(time_dim=16, gate_time_channels=4, num_heads=2),
        denoiser=PixelDenoiserConfig(
            block_out_channels=(8, 16), attention_head_dim=8, norm_num_groups=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), patch_size=2,
        ),
        num_train_timesteps=100,
    )
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


def write_tiny_sd(path: str | Path, seed: int = 0) -> Path:
    """A Stable-Diffusion-format directory (unet/, vae/, scheduler/) with tiny random weights."""
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel

    path = Path(path)
    torch.manual_seed(seed)
    UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=(16, 32), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=24, attention_head_dim=8, norm_num_groups=8,
    ).save_pretrained(path / "unet")
    AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8, 8, 8),
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=1, norm_num_groups=4, sample_size=64,
    ).save_pretrained(path / "vae")
    DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                  clip_sample=False, set_alpha_to_one=False).save_pretrained(path / "scheduler")
    return path
