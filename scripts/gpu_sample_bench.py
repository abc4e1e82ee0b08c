"""Time a trained model's sampling alone (no detection or paste-back) on the device at hand.

Where the full `id2face bench` cannot run (a lent GPU image without MediaPipe or dlib), this still
gives the model's own figure: faces per second through identity, recomposer, N denoiser steps and
decode, from random aligned crops and embeddings (the weights decide the speed, not the pixels).

    python scripts/gpu_sample_bench.py MODEL_DIR [--device cuda] [--batches 1,32] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch

from id2face.model.pipeline import ID2FacePipeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=None)
    a = ap.parse_args()
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}.get(
        a.dtype, torch.bfloat16 if a.device.startswith("cuda") else torch.float32)
    pipe = ID2FacePipeline.from_pretrained(a.model).to(a.device, dtype)
    pipe.set_progress_bar_config(disable=True)
    size, dim = pipe.config.crop_size, pipe.idvae.config.embed_dim
    rng = np.random.default_rng(0)
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    for n in (int(b) for b in a.batches.split(",")):
        faces = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
        emb = rng.standard_normal((n, dim)).astype(np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        times = []
        for r in range(a.rounds + 1):  # round 0 warms up (kernel choice, allocator)
            sync()
            t0 = time.perf_counter()
            pipe(faces, source_embeddings=emb, num_inference_steps=a.steps, identity_key=r)
            sync()
            times.append(time.perf_counter() - t0)
        med = statistics.median(times[1:])
        name = torch.cuda.get_device_name(0) if a.device.startswith("cuda") else "cpu"
        steps = a.steps or pipe.default_steps
        print(json.dumps({"device": name, "dtype": str(dtype), "batch": n, "steps": steps,
                          "median_s": round(med, 4), "faces_per_s": round(n / med, 1)}))


if __name__ == "__main__":
    main()
