"""Tiny synthetic datasets and configs for the training tests (no detector, no real faces)."""

from __future__ import annotations

from pathlib import Path

from id2face.testing.datasets import SIZE, write_synthetic_dataset
from id2face.training.config import config_from_dict

__all__ = ["SIZE", "tiny_config", "write_synthetic_dataset"]


def tiny_config(data: Path, output: Path, **train):
    """A model of a few channels at 32x32 so a CPU step takes a fraction of a second."""
    return config_from_dict(
        {
            "output": str(output),
            "scheduler": "ddim",
            "data": {"dirs": [str(data)], "flip": True, "color_jitter": 0.05},
            "model": {
                "crop_size": SIZE,
                "idvae": {"latent_dim": 8, "hidden_dim": 32},
                "nonid": {"block_channels": [8, 16], "num_tokens": 2},
                "recomposer": {"width": 16, "num_id_tokens": 2, "num_heads": 2},
                "harmonizer": {"num_heads": 2, "time_dim": 16, "gate_time_channels": 4},
                "denoiser": {
                    "block_out_channels": [16, 32],
                    "layers_per_block": 1,
                    "attention_head_dim": 8,
                    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
                    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
                    "norm_num_groups": 4,
                },
            },
            "idvae": {"max_steps": 5, "batch_size": 8, "warmup_steps": 1},
            "train": {
                "max_steps": 4,
                "batch_size": 2,
                "lr": 1e-3,
                "warmup_steps": 1,
                "checkpoint_every": 2,
                "validate_every": 0,
                "log_every": 1,
                "num_val": 2,
                "val_steps": 2,
                "ema_warmup": 1,
                **train,
            },
        }
    )
