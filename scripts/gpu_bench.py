"""Model-side benchmark of the whole sampling pass: faces/s and latency per batch, one JSON line each.

What is timed: one ID2FacePipeline call on aligned crops with given source embeddings = ID-VAE +
OIM, IDLR, the denoiser with its IGLH gates at every step, the VAE encode/decode (latent models),
and the copy of the results back to the host. Not timed: detection and pasting (CPU front-end,
see `id2face bench`) and the recognizer (dlib runs on the CPU). Runs on a bare machine with
PyTorch + diffusers (no OpenCV, MediaPipe or dlib needed).

    python scripts/gpu_bench.py --model bundled --batches 1,32,256,1024 [--compile] [--dtype bfloat16]
    python scripts/gpu_bench.py --model sd15 --batches 1,8,32          # SD-1.5 shapes, random weights, 512 px
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "src" / "id2face" / "assets" / "default_model"


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def load(model: str, opts):
    """The pipeline to time: the bundled model, a model folder, or a shipped config with random weights."""
    from id2face.methods.diffusion import prepare_pipeline
    from id2face.model.build import build_pipeline
    from id2face.model.pipeline import ID2FacePipeline
    from id2face.training.config import load_train_config, named_configs

    if model in named_configs():
        cfg = load_train_config(model)
        if cfg.model.backbone == "latent":
            cfg.model.base_model = "random:sd15"
        pipe, steps = build_pipeline(cfg.model), cfg.inference_steps
    else:
        path = BUNDLED if model == "bundled" else Path(model)
        pipe = ID2FacePipeline.from_pretrained(path)
        steps = pipe.default_steps
    pipe.unet.eval()
    pipe.set_progress_bar_config(disable=True)
    return prepare_pipeline(pipe, opts), steps


def bench(pipe, device: str, batch: int, steps: int, repeats: int) -> dict:
    s = pipe.config.crop_size
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 255, (batch, s, s, 3), dtype=np.uint8)
    emb = rng.normal(size=(batch, pipe.idvae.config.embed_dim)).astype(np.float32)
    keys = [f"bench:{i}" for i in range(batch)]
    t0 = time.perf_counter()
    pipe(crops, source_embeddings=emb, identity_key=keys, num_inference_steps=steps)  # warm-up / compile
    sync(device)
    warm = time.perf_counter() - t0
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pipe(crops, source_embeddings=emb, identity_key=keys, num_inference_steps=steps)
        sync(device)
        times.append(time.perf_counter() - t0)
    dt = float(np.median(times))
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None
    return {"batch": batch, "seconds": round(dt, 4), "faces_per_s": round(batch / dt, 2),
            "ms_per_face": round(1000 * dt / batch, 3), "warmup_s": round(warm, 2), "peak_gib": peak}


def main() -> None:
    from id2face.methods.diffusion import DiffusionOptions

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--model", default="bundled", help="bundled, tiny, sd15 (random weights) or a model folder"
    )
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument(
        "--sampler", default=None, help="ddpm, ddim, dpmsolver, dpmsolver-sde, unipc (default: model's)"
    )
    ap.add_argument("--batches", default="1,32,256,1024")
    ap.add_argument("--dtype", default="auto", help="auto (bf16 on CUDA), float32, bfloat16, float16")
    ap.add_argument("--channels-last", choices=["on", "off"], default="on")
    ap.add_argument("--compile", action="store_true", help="torch.compile the denoiser")
    ap.add_argument("--compile-mode", default=None, help="e.g. reduce-overhead (CUDA graphs), max-autotune")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    cl = a.channels_last == "on"
    opts = DiffusionOptions(device=a.device, dtype=a.dtype, sampler=a.sampler, channels_last=cl)
    pipe, _ = load(a.model, opts)
    if a.compile:
        pipe.compile_denoiser(a.compile_mode)
    card = torch.cuda.get_device_name(0) if a.device.startswith("cuda") else "cpu"
    head = {
        "model": a.model,
        "card": card,
        "torch": torch.__version__,
        "date": datetime.date.today().isoformat(),
        "dtype": str(pipe.unet.dtype).replace("torch.", ""),
        "steps": a.steps,
        "sampler": type(pipe.scheduler).__name__,
        "crop": pipe.config.crop_size,
        "channels_last": pipe.unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last),
        "compile": a.compile_mode or a.compile,
    }
    for b in (int(x) for x in a.batches.split(",")):
        try:
            row = bench(pipe, a.device, b, a.steps, a.repeats)
        except torch.OutOfMemoryError:
            row = {"batch": b, "error": "out of memory"}
            torch.cuda.empty_cache()
        print(json.dumps({**head, **row}), flush=True)


if __name__ == "__main__":
    main()
