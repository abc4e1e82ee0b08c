"""The validation grid: source / anonymised / recomposed (a rebuilt with b's identity), as a PNG."""

from __future__ import annotations

import contextlib
import inspect
from pathlib import Path

import numpy as np
import torch

from id2face.io.images import save_image
from id2face.model.geometry_maps import geometry_maps
from id2face.training.data import Batch


@torch.no_grad()
def recompose_sample(pipe, batch: Batch, steps: int, generator: torch.Generator) -> torch.Tensor:
    """Sample x_a conditioned on (identity of b, non-identity of a): what training reconstructs."""
    image, mask = batch.image_a, batch.mask_a
    n, s = image.shape[0], image.shape[-1]
    geom = geometry_maps(batch.landmarks_a, n, s).to(image.device, image.dtype)
    cond = pipe.recomposer(batch.embed_b.to(image.dtype), image, mask, geom)
    inpaint = pipe.inpaint_input(image, mask)
    sched = pipe.scheduler
    sched.set_timesteps(steps, device=image.device)
    x = (
        torch.randn(pipe.sample_shape(n), generator=generator).to(image.device, image.dtype)
        * sched.init_noise_sigma
    )
    kw = {"generator": generator} if "generator" in inspect.signature(sched.step).parameters else {}
    for t in sched.timesteps:
        eps = pipe.predict(sched.scale_model_input(x, t), t, cond, inpaint)
        x = sched.step(eps, t, x, **kw).prev_sample
    gen = pipe.decode_space(x).float().clamp(-1, 1)
    return gen * mask + image.float() * (1 - mask)


def eager() -> contextlib.AbstractContextManager:
    """Compiled modules run eagerly inside: a validation batch (other shape, float32) would recompile the
    training graph, minutes on a GPU; the final grid of the second burst ran past the machine's limit so.
    On a torch without ``torch.compiler.set_stance`` (< 2.6) this does nothing."""
    stance = getattr(torch.compiler, "set_stance", None)
    return stance("force_eager") if stance is not None else contextlib.nullcontext()


def _u8(x: torch.Tensor) -> np.ndarray:
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()


@torch.no_grad()
def validation_grid(pipe, batch: Batch, steps: int, seed: int, path: Path) -> Path:
    """Rows: source faces, anonymised (OIM, the inference path), recomposed with the partner's identity."""
    with eager():
        return _grid(pipe, batch, steps, seed, path)


def _grid(pipe, batch: Batch, steps: int, seed: int, path: Path) -> Path:
    src = _u8(batch.image_a)
    masks = batch.mask_a[:, 0].float().cpu().numpy()
    lm = batch.landmarks_a.float().cpu().numpy()
    anon = pipe(src, masks=masks, landmarks=lm, source_embeddings=batch.embed_a.float().cpu().numpy(),
                generator=torch.Generator(device=batch.image_a.device).manual_seed(seed),
                num_inference_steps=steps).images
    rec = _u8(recompose_sample(pipe, batch, steps, torch.Generator().manual_seed(seed)))
    rows = [np.concatenate(list(r), axis=1) for r in (src, anon, rec)]
    grid = np.concatenate(rows, axis=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(grid, path)
    return path
