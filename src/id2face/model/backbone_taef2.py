"""The latent denoiser on the bundled TAEF2 first stage: a small UNet trained from scratch.

Input as in diffusers' inpainting UNets: noisy latent (32) + latent of the identity-masked crop (32)
+ the removed-region mask at latent size (1) = 65 channels; output 32 (v or epsilon). A 128-px face
is a 16x16 latent, a 256-px face 32x32. The first stage is frozen and never trained here.
"""

from __future__ import annotations

from diffusers import UNet2DConditionModel

from .backbones import build_small_unet
from .config import ID2FaceConfig
from .taef2 import TAEF2, load_taef2

LATENT_FACTOR = 8  # TAEF2 downsamples by 8


def build_taef2_backbone(cfg: ID2FaceConfig) -> tuple[UNet2DConditionModel, TAEF2]:
    """A fresh UNet sized by `cfg.denoiser` at crop_size/8, and the bundled TAEF2."""
    if cfg.crop_size % (LATENT_FACTOR * 2 ** (len(cfg.denoiser.block_out_channels) - 1)):
        raise ValueError(
            f"crop_size {cfg.crop_size} must be a multiple of 8 x 2^(levels-1) for the taef2 backbone"
        )
    vae = load_taef2()
    lat = vae.config.latent_channels
    return build_small_unet(cfg, cfg.crop_size // LATENT_FACTOR, 2 * lat + 1, lat), vae
