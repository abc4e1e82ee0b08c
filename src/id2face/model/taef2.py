"""TAEF2: the bundled first stage of the latent model (a tiny autoencoder for the FLUX.2 latent space).

TAEF2 (madebyollin/taesd, MIT) is diffusers' `AutoencoderTiny` layout (64 channels, encoder blocks
1,3,3,3, decoder 3,3,3,1, 32 latent channels at 1/8 size) plus one addition in the three blocks
next to the latent on each side: a `pool` branch (1x1 conv to 256, GroupNorm(4), ReLU, 1x1 conv back)
added to the block's input before its convolutions. `TAEF2` swaps those blocks in; `from_original`
loads the released nn.Sequential-numbered weights (strict: every key must load).

The package ships the weights once, in diffusers' layout: the bundled model's `vae/` folder (MIT
licence beside them), which `load_taef2` reads for new models too. A copy in the released layout
beside it cost 5.4 MB of the 64 MiB a GPU burst may carry.

Latents: `encode` gives raw latents (about +-3; the decoder squashes its input with 3*tanh(x/3)).
The denoiser works on (raw - shift_factor) * scaling_factor, normalised to about unit variance
on face crops (constants measured on CelebA crops, see `LATENT_STATS`).
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import AutoencoderTiny
from diffusers.configuration_utils import register_to_config
from diffusers.models.modeling_utils import ModelMixin  # noqa: F401  (diffusers' loader looks it up in this module)
from diffusers.models.unets.unet_2d_blocks import AutoencoderTinyBlock
from safetensors.torch import load_file
from torch import nn

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "assets" / "default_model" / "vae"
ENCODER_FILE, DECODER_FILE = "taef2_encoder.safetensors", "taef2_decoder.safetensors"  # as released
# (shift, scale) such that (raw - shift) * scale has mean ~0 and std ~1 over 128-px face crops.
LATENT_STATS = (0.0, 1.0)


class PooledTinyBlock(AutoencoderTinyBlock):
    """AutoencoderTinyBlock whose input first gets a pointwise GroupNorm branch added (TAEF2's `pool`)."""

    def __init__(self, channels: int, act_fn: str, hidden: int = 256, groups: int = 4):
        super().__init__(channels, channels, act_fn)
        self.pool = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=False),
            nn.GroupNorm(groups, hidden),
            nn.ReLU(),
            nn.Conv2d(hidden, channels, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x + self.pool(x))


class TAEF2(AutoencoderTiny):
    """AutoencoderTiny with TAEF2's pooled blocks at `pooled_encoder_layers` / `pooled_decoder_layers`.

    The layer indices are those of diffusers' `encoder.layers` / `decoder.layers` Sequentials.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        encoder_block_out_channels: tuple[int, ...] = (64, 64, 64, 64),
        decoder_block_out_channels: tuple[int, ...] = (64, 64, 64, 64),
        act_fn: str = "relu",
        upsample_fn: str = "nearest",
        latent_channels: int = 32,
        upsampling_scaling_factor: int = 2,
        num_encoder_blocks: tuple[int, ...] = (1, 3, 3, 3),
        num_decoder_blocks: tuple[int, ...] = (3, 3, 3, 1),
        latent_magnitude: int = 3,
        latent_shift: float = 0.5,
        force_upcast: bool = False,
        scaling_factor: float = 1.0,
        shift_factor: float = 0.0,
        pooled_encoder_layers: tuple[int, ...] = (11, 12, 13),
        pooled_decoder_layers: tuple[int, ...] = (2, 3, 4),
        pool_hidden: int = 256,
        pool_groups: int = 4,
        block_out_channels: tuple[int, ...] | None = None,  # AutoencoderTiny's own config entry: unused
    ):
        super().__init__(
            in_channels=in_channels,
            out_channels=out_channels,
            encoder_block_out_channels=encoder_block_out_channels,
            decoder_block_out_channels=decoder_block_out_channels,
            act_fn=act_fn,
            upsample_fn=upsample_fn,
            latent_channels=latent_channels,
            upsampling_scaling_factor=upsampling_scaling_factor,
            num_encoder_blocks=num_encoder_blocks,
            num_decoder_blocks=num_decoder_blocks,
            latent_magnitude=latent_magnitude,
            latent_shift=latent_shift,
            force_upcast=force_upcast,
            scaling_factor=scaling_factor,
            shift_factor=shift_factor,
        )
        for seq, idxs in (
            (self.encoder.layers, pooled_encoder_layers),
            (self.decoder.layers, pooled_decoder_layers),
        ):
            for i in idxs:
                old = seq[i]
                if not isinstance(old, AutoencoderTinyBlock):
                    raise ValueError(f"layer {i} is a {type(old).__name__}, not an AutoencoderTinyBlock")
                seq[i] = PooledTinyBlock(old.conv[0].out_channels, act_fn, pool_hidden, pool_groups)

    @classmethod
    def from_original(cls, folder: str | Path, dtype: torch.dtype = torch.float32) -> TAEF2:
        """The TAEF2 weights as released (ENCODER_FILE, DECODER_FILE in `folder`: nn.Sequential keys),
        loaded strictly into this layout; `save_pretrained` then writes the bundled layout."""
        folder = Path(folder)
        shift, scale = LATENT_STATS
        model = cls(scaling_factor=scale, shift_factor=shift)
        state = original_to_diffusers(
            load_file(str(folder / ENCODER_FILE)), load_file(str(folder / DECODER_FILE))
        )
        model.load_state_dict(state, strict=True)  # copies the float16 weights into float32 parameters
        if dtype != torch.float32:
            model = model.to(dtype=dtype)
        return model.eval().requires_grad_(False)


def original_to_diffusers(
    encoder: dict[str, torch.Tensor], decoder: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Map TAESD keys to AutoencoderTiny's: the decoder's Sequential starts with a Clamp module
    (index 0) that diffusers folds into forward, so its indices shift down by one."""
    out = {f"encoder.layers.{k}": v for k, v in encoder.items()}
    for k, v in decoder.items():
        i, rest = k.split(".", 1)
        out[f"decoder.layers.{int(i) - 1}.{rest}"] = v
    return out


def load_taef2(dtype: torch.dtype = torch.float32) -> TAEF2:
    """The bundled TAEF2 (the default model's vae/ folder, MIT licence beside the weights)."""
    if not (BUNDLED_DIR / "config.json").is_file():
        raise FileNotFoundError(f"TAEF2 weights missing from {BUNDLED_DIR} (they ship with the package)")
    model = TAEF2.from_pretrained(str(BUNDLED_DIR), torch_dtype=dtype, use_safetensors=True)
    if (model.config.shift_factor, model.config.scaling_factor) != LATENT_STATS:
        raise ValueError(f"{BUNDLED_DIR}: latent statistics differ from LATENT_STATS {LATENT_STATS}")
    return model.eval().requires_grad_(False)
