"""Figures of the latent model for docs/PERFORMANCE.md: speed, first-stage quality (no trained weights).

    OMP_NUM_THREADS=1 python scripts/measure_latent.py --threads 1
Prints: TAEF2 round-trip PSNR and encode/decode ms on the sample face at 128 and 256 px; ms per denoiser
step (UNet + IGLH gates, step cache) of latent128, latent256 and the bundled pixel model, alternating in one
process (medians); training pairs/s of latent128 (latent cache) and tiny (pixels), batch 8, synthetic data.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def taef2_figures() -> None:
    import skimage.data

    from id2face.face.align import align_face
    from id2face.face.detect import FaceDetector
    from id2face.model.taef2 import load_taef2

    img = skimage.data.astronaut()
    face = FaceDetector().detect(img)[0]
    vae = load_taef2()
    for size in (128, 256):
        x = torch.from_numpy(align_face(img, face, size).crop).permute(2, 0, 1)[None].float() / 127.5 - 1
        enc, dec = [], []
        with torch.no_grad():
            for _ in range(3):
                t = time.perf_counter()
                z = vae.encode(x).latents
                enc.append(time.perf_counter() - t)
                t = time.perf_counter()
                y = vae.decode(z).sample.clamp(-1, 1)
                dec.append(time.perf_counter() - t)
        psnr = 10 * np.log10(4.0 / float(((y - x) ** 2).mean()))
        print(
            f"TAEF2 {size}px: {psnr:.1f} dB, encode {1e3 * min(enc):.0f} ms, decode {1e3 * min(dec):.0f} ms"
        )


@torch.no_grad()
def step_figures(reps: int = 12) -> None:
    from id2face.model import build_pipeline
    from id2face.model.pipeline import ID2FacePipeline
    from id2face.training.config import load_train_config

    root = Path(__file__).resolve().parents[1] / "src" / "id2face" / "assets" / "default_model"
    pipes = {"bundled pixel model": ID2FacePipeline.from_pretrained(root)}
    for name in ("latent128", "latent256"):
        torch.manual_seed(0)
        pipes[name] = build_pipeline(load_train_config(name).model)
    ctx = {}
    for name, p in pipes.items():
        p.unet.eval().to(memory_format=torch.channels_last)
        s = p.config.crop_size
        faces = np.random.default_rng(0).integers(0, 256, (1, s, s, 3), dtype=np.uint8)
        image, mask, geom = p.to_tensors(faces, None, None)
        cond = p.recomposer(torch.randn(1, 128), image, mask, geom)
        ctx[name] = (p, torch.randn(p.sample_shape(1)), cond, p.inpaint_input(image, mask), {})
    times: dict[str, list[float]] = {}
    for _ in range(reps):
        for name, (p, x, cond, inp, cache) in ctx.items():
            t = time.perf_counter()
            p.predict(x, 500, cond, inp, cache)
            times.setdefault(name, []).append(time.perf_counter() - t)
    for name, v in times.items():
        v = v[2:]
        print(
            f"step {name}: {1e3 * statistics.median(v):.1f} ms"
            f" (min {1e3 * min(v):.0f}, max {1e3 * max(v):.0f})"
        )


def training_figures(batch: int = 8, steps: int = 6) -> None:
    from id2face.testing.datasets import write_synthetic_dataset
    from id2face.training.config import load_train_config
    from id2face.training.latent_cache import LatentCache
    from id2face.training.trainer import TrainModule, build_run, to_loss_batch

    tmp = Path(tempfile.mkdtemp())
    data = write_synthetic_dataset(tmp / "ds", identities=6, per_identity=4, size=128)
    for name in ("latent128", "tiny"):
        cfg = load_train_config(name, [f"data.dirs=[{data}]", f"output={tmp / name}"])
        torch.manual_seed(0)
        run = build_run(cfg)
        module = TrainModule(run.pipe)
        opt = torch.optim.AdamW([p for p in module.parameters() if p.requires_grad], lr=1e-4)
        cache = LatentCache.build(run.pipe, run.train_set, "cpu") if cfg.data.latent_cache else None
        ts = []
        for i in range(steps):
            g = torch.Generator().manual_seed(i)
            t = time.perf_counter()
            a, b = run.train_set.sample_pairs(batch, g)
            lb = (
                cache.batch(a, b, g)
                if cache is not None
                else to_loss_batch(run.train_set.batch(a, b, g, True, 0.05), 128)
            )
            module(lb, cfg.loss, torch.Generator().manual_seed(i))["loss"].backward()
            opt.step()
            opt.zero_grad()
            ts.append(time.perf_counter() - t)
        med = statistics.median(ts[1:])
        print(f"train {name}: batch {batch}, {1e3 * med:.0f} ms/step, {batch / med:.1f} pairs/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip", default="", help="comma list of taef2,steps,train")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    skip = set(a.skip.split(","))
    if "taef2" not in skip:
        taef2_figures()
    if "steps" not in skip:
        step_figures()
    if "train" not in skip:
        training_figures()


if __name__ == "__main__":
    main()
