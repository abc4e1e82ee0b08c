"""Tiny randomly initialised models for tests (of this package and of its users): seconds on a CPU."""

from __future__ import annotations

from pathlib import Path

import torch

from id2face.model.config import (
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


def tiny_sd_unet():
    """A two-level Stable-Diffusion-shaped UNet (4 latent channels, cross-attention width 24)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        block_out_channels=(16, 32),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=24,
        attention_head_dim=8,
        norm_num_groups=8,
    )


def write_tiny_sd(path: str | Path, seed: int = 0) -> Path:
    """A Stable-Diffusion-format directory (unet/, vae/, scheduler/) with tiny random weights."""
    from diffusers import AutoencoderKL, DDIMScheduler

    path = Path(path)
    torch.manual_seed(seed)
    tiny_sd_unet().save_pretrained(path / "unet")
    AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8, 8, 8),
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=1, norm_num_groups=4, sample_size=64,
    ).save_pretrained(path / "vae")
    DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                  clip_sample=False, set_alpha_to_one=False).save_pretrained(path / "scheduler")
    return path


def write_tiny_onnx_recognizer(path: str | Path, dim: int = 512, seed: int = 0) -> Path:
    """An ArcFace-shaped ONNX 'recognizer' (N,3,112,112 -> N,dim): 4x4 average pooling + a random projection.

    Built with onnx.helper (the `onnx` package is a test dependency only).
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(seed).standard_normal((3 * 28 * 28, dim)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("AveragePool", ["x"], ["p"], kernel_shape=[4, 4], strides=[4, 4]),
            helper.make_node("Flatten", ["p"], ["f"], axis=1),
            helper.make_node("MatMul", ["f", "w"], ["y"]),
        ],
        "tiny_recognizer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 112, 112])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", dim])],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = Path(path)
    onnx.save(model, str(path))
    return path
