"""Model-side GPU benchmark: the bundled ID2Face pipeline and an SD-1.5-size UNet, faces/s.

Runs on a bare machine with PyTorch (diffusers from a carried wheel); needs no detector, no
recognizer and no weights beyond the bundled model (the SD-1.5-size UNet is randomly initialised:
speed only). Prints one JSON line per measurement.

    python scripts/gpu_bench.py [--device cuda] [--steps 25] [--batches 1,32,256] [--sd15]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

MODEL = Path(__file__).resolve().parents[1] / "src" / "id2face" / "assets" / "default_model"


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def bench_bundled(device: str, steps: int, batches: list[int], dtype: torch.dtype) -> None:
    from id2face.model.pipeline import ID2FacePipeline

    pipe = ID2FacePipeline.from_pretrained(MODEL).to(device)
    pipe.set_progress_bar_config(disable=True)
    s = pipe.config.crop_size
    rng = np.random.default_rng(0)
    for b in batches:
        crops = rng.integers(0, 255, (b, s, s, 3), dtype=np.uint8)
        emb = rng.normal(size=(b, pipe.idvae.config.embed_dim)).astype(np.float32)
        gen = torch.Generator(device).manual_seed(0)
        with torch.autocast(device.split(":")[0], dtype=dtype, enabled=dtype != torch.float32):
            pipe(crops, source_embeddings=emb, generator=gen, num_inference_steps=2)  # warm-up
            sync(device)
            t = time.perf_counter()
            pipe(crops, source_embeddings=emb, generator=gen, num_inference_steps=steps)
            sync(device)
        dt = time.perf_counter() - t
        print(json.dumps({"model": "bundled-128px", "device": device, "dtype": str(dtype), "batch": b,
                          "steps": steps, "seconds": round(dt, 4), "faces_per_s": round(b / dt, 2),
                          "ms_per_face": round(1000 * dt / b, 3)}), flush=True)


def sd15_unet(device: str, dtype: torch.dtype):
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=64, in_channels=9, out_channels=4, cross_attention_dim=768, attention_head_dim=8,
        block_out_channels=(320, 640, 1280, 1280), layers_per_block=2,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
    ).to(device, dtype).to(memory_format=torch.channels_last).eval()


@torch.no_grad()
def bench_sd15(device: str, steps: int, batches: list[int], dtype: torch.dtype, latent: int) -> None:
    unet = sd15_unet(device, dtype)
    for b in batches:
        x = torch.randn(b, 9, latent, latent, device=device, dtype=dtype).to(memory_format=torch.channels_last)
        ctx = torch.randn(b, 77, 768, device=device, dtype=dtype)
        t = torch.full((b,), 500, device=device)
        unet(x, t, ctx)
        sync(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            unet(x, t, ctx)
        sync(device)
        dt = time.perf_counter() - t0
        peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None
        print(json.dumps({"model": f"sd15-unet-{latent * 8}px", "device": device, "dtype": str(dtype), "batch": b,
                          "steps": steps, "seconds": round(dt, 4), "faces_per_s": round(b / dt, 2),
                          "peak_gib": peak}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--batches", default="1,32,256,1024")
    ap.add_argument("--sd15", action="store_true", help="also time an SD-1.5-size UNet (random weights)")
    ap.add_argument("--sd15-batches", default="1,32")
    ap.add_argument("--latent", type=int, default=64, help="SD latent side (64 = 512 px)")
    a = ap.parse_args()
    dtype = torch.bfloat16 if a.device.startswith("cuda") else torch.float32
    if a.device.startswith("cuda"):
        print(json.dumps({"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}), flush=True)
    bench_bundled(a.device, a.steps, [int(x) for x in a.batches.split(",")], dtype)
    if a.sd15:
        bench_sd15(a.device, a.steps, [int(x) for x in a.sd15_batches.split(",")], dtype, a.latent)


if __name__ == "__main__":
    main()
