"""The two denoiser backbones behind one config: a small pixel-space UNet, or SD's latent UNet + VAE.

Both are diffusers `UNet2DConditionModel`s fed as conditional inpainting: input channels are the
noisy sample, the identity-masked crop (same space) and the mask.
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from torch import nn

from .config import ID2FaceConfig


def pixel_channels(patch_size: int) -> tuple[int, int]:
    """(in, out) channels of the pixel denoiser working on pixel-unshuffled patches."""
    p2 = patch_size * patch_size
    return 3 * p2 + 3 * p2 + 1, 3 * p2


def build_pixel_unet(cfg: ID2FaceConfig) -> UNet2DConditionModel:
    """A small UNet at crop_size / patch_size resolution (patch_size=2: a lossless 'small latent')."""
    cin, cout = pixel_channels(cfg.denoiser.patch_size)
    return build_small_unet(cfg, cfg.crop_size // cfg.denoiser.patch_size, cin, cout)


def build_small_unet(cfg: ID2FaceConfig, sample_size: int, in_channels: int,
                     out_channels: int) -> UNet2DConditionModel:
    """The project's own denoiser (cfg.denoiser's shape) at a given resolution and channel count."""
    d = cfg.denoiser
    return UNet2DConditionModel(
        sample_size=sample_size,
        in_channels=in_channels,
        out_channels=out_channels,
        block_out_channels=tuple(d.block_out_channels),
        layers_per_block=d.layers_per_block,
        down_block_types=tuple(d.down_block_types),
        up_block_types=tuple(d.up_block_types),
        cross_attention_dim=cfg.recomposer.width,
        attention_head_dim=d.attention_head_dim,
        norm_num_groups=d.norm_num_groups,
    )


def _require_base_model(base_model: str | None) -> Path:
    if not base_model:
        raise ValueError(
            "backbone='latent' needs base_model=PATH to a local Stable Diffusion 1.5/2.1 directory"
        )
    path = Path(base_model)
    if not (path / "unet").is_dir() or not (path / "vae").is_dir():
        raise FileNotFoundError(
            f"{path} is not a Stable Diffusion directory (needs unet/ and vae/ saved with save_pretrained); "
            "pass base_model=PATH of a local SD 1.5/2.1 download (nothing is downloaded at run time)"
        )
    return path


RANDOM_PREFIX = "random:"


def backbone_shapes(name: str) -> dict:
    """UNet and VAE configs of a known backbone (configs/backbones/NAME.yaml) or of a YAML file."""
    import yaml

    folder = Path(__file__).resolve().parents[1] / "configs" / "backbones"
    path = Path(name) if name.endswith((".yaml", ".yml")) else folder / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob("*.yaml")))
        raise ValueError(f"unknown backbone shapes {name!r} (known: {known})")
    return yaml.safe_load(path.read_text())


def random_latent_backbone(name: str) -> tuple[UNet2DConditionModel, AutoencoderKL]:
    """A UNet + VAE of a known backbone's shapes with random weights: speed and memory figures only."""
    shapes = backbone_shapes(name)
    unet = UNet2DConditionModel(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in shapes["unet"].items()}
    )
    vae = AutoencoderKL(**{k: tuple(v) if isinstance(v, list) else v for k, v in shapes["vae"].items()})
    lat = vae.config.latent_channels
    if unet.config.in_channels != 2 * lat + 1:
        raise ValueError(f"{name}: the UNet needs {2 * lat + 1} input channels (inpainting), has "
                         f"{unet.config.in_channels}")
    return unet, vae


def load_latent_backbone(cfg: ID2FaceConfig) -> tuple[UNet2DConditionModel, AutoencoderKL]:
    """SD's UNet (conv_in widened to 9 inpainting channels, exactly) and its VAE from a local directory.

    base_model "random:NAME" builds NAME's shapes with random weights instead (benchmarks only).
    """
    if cfg.base_model and cfg.base_model.startswith(RANDOM_PREFIX):
        return random_latent_backbone(cfg.base_model[len(RANDOM_PREFIX):])
    path = _require_base_model(cfg.base_model)
    unet = UNet2DConditionModel.from_pretrained(path, subfolder="unet", use_safetensors=True)
    vae = AutoencoderKL.from_pretrained(path, subfolder="vae", use_safetensors=True)
    lat = vae.config.latent_channels
    if unet.config.in_channels == lat:
        expand_conv_in(unet, 2 * lat + 1)
    elif unet.config.in_channels != 2 * lat + 1:
        raise ValueError(
            f"UNet has {unet.config.in_channels} input channels; expected {lat} or {2 * lat + 1}"
        )
    return unet, vae


def expand_conv_in(unet: UNet2DConditionModel, in_channels: int) -> None:
    """Widen conv_in with zero weights for the new channels, so the output is unchanged at start."""
    old = unet.conv_in
    new = nn.Conv2d(in_channels, old.out_channels, old.kernel_size, old.stride, old.padding)
    with torch.no_grad():
        new.weight.zero_()
        new.weight[:, : old.in_channels] = old.weight
        new.bias.copy_(old.bias)
    unet.conv_in = new.to(old.weight.device, old.weight.dtype)
    unet.register_to_config(in_channels=in_channels)


def harmonizer_levels(unet: UNet2DConditionModel) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Channels and matching non-identity feature index of each hooked block (mid, then up blocks).

    The non-identity encoder starts at the UNet's input resolution, so its level i matches the
    UNet's down level i; up block i ends at level L-2-i (the last one stays at level 0).
    """
    boc = tuple(unet.config.block_out_channels)
    n = len(boc)
    channels = (boc[-1], *reversed(boc))
    feature = (n - 1, *(max(n - 2 - i, 0) for i in range(n)))
    return channels, feature
