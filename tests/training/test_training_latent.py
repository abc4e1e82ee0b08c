"""Latent-cache training on the bundled TAEF2: trains, resumes exactly, samples faces (CPU, seconds)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_training import SIZE, tiny_config, write_synthetic_dataset
from safetensors.torch import load_file

from id2face.training.checkpoint import list_checkpoints
from id2face.training.trainer import build_run, train


def latent_config(data, output, **train):
    cfg = tiny_config(data, output, **train)
    cfg.model.backbone = "taef2"
    cfg.model.prediction_type = "v_prediction"
    cfg.data.latent_cache = True
    cfg.loss.min_snr_gamma = 5.0
    cfg.model.denoiser.down_block_types = ("DownBlock2D", "CrossAttnDownBlock2D")
    return cfg


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_synthetic_dataset(tmp_path_factory.mktemp("data") / "synthetic")


def test_cache_views_are_the_encodings_of_the_mirrored_faces(data, tmp_path):
    from id2face.training.latent_cache import LatentCache

    run = build_run(latent_config(data, tmp_path / "run"))
    cache = LatentCache.build(run.pipe, run.train_set, "cpu", dtype=torch.float32)
    assert cache.x0.shape == (len(run.train_set), 2, 32, SIZE // 8, SIZE // 8)
    img = run.train_set.crops[:1].permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        torch.testing.assert_close(
            cache.x0[0, 1], run.pipe.encode_space(img.flip(-1))[0], rtol=1e-4, atol=1e-4
        )
    g = torch.Generator().manual_seed(0)
    a, b = run.train_set.sample_pairs(3, g)
    batch = cache.batch(a, b, g)
    assert batch["x0_a"].shape == (3, 32, SIZE // 8, SIZE // 8) and batch["nonid_b"].shape[1] == 8


def test_grown_mask_versions_hide_more_and_are_drawn_at_their_rate(data, tmp_path):
    from id2face.training.latent_cache import LatentCache

    run = build_run(latent_config(data, tmp_path / "run"))
    plain = LatentCache.build(run.pipe, run.train_set, "cpu", dtype=torch.float32)
    cache = LatentCache.build(run.pipe, run.train_set, "cpu", dtype=torch.float32, grow=(0.1,), grow_p=0.0)
    n = len(run.train_set)
    assert cache.mask_versions == 2 and cache.masked.shape[:3] == (n, 2, 2)
    torch.testing.assert_close(cache.masked[:, 0], plain.masked[:, 0], rtol=0, atol=0)
    kept = cache.nonid[:, :, 3].sum(dim=(-1, -2))  # the keep-mask channel: what the context still shows
    assert (kept[:, 1] < kept[:, 0]).all()
    assert not torch.equal(cache.masked[:, 1], cache.masked[:, 0])

    def batch(c, seed=0):
        g = torch.Generator().manual_seed(seed)
        a, b = run.train_set.sample_pairs(8, g)
        return c.batch(a, b, g)

    never = batch(cache)  # grow_p 0: the usual region only, and the same flips as without growth
    for k, v in batch(plain).items():
        torch.testing.assert_close(never[k], v, rtol=0, atol=0, msg=k)
    cache.grow_p = 1.0
    always = batch(cache)
    assert (always["nonid_a"][:, 3].sum(dim=(-1, -2)) < never["nonid_a"][:, 3].sum(dim=(-1, -2))).all()


def test_latent_run_with_mask_growth_trains(data, tmp_path):
    cfg = latent_config(data, tmp_path / "grow", max_steps=2)
    cfg.data.mask_grow, cfg.data.mask_grow_p = (0.06,), 0.5
    out = train(cfg, progress=False)
    assert (out / "model_index.json").is_file()


def test_latent_run_trains_resumes_exactly_and_samples(data, tmp_path):
    from id2face.model.pipeline import ID2FacePipeline

    whole = train(latent_config(data, tmp_path / "whole"), progress=False)
    train(latent_config(data, tmp_path / "part", max_steps=2), progress=False)
    train(latent_config(data, tmp_path / "part"), resume=True, progress=False)
    w = load_file(str(list_checkpoints(tmp_path / "whole" / "checkpoints")[-1] / "ema.safetensors"))
    p = load_file(str(list_checkpoints(tmp_path / "part" / "checkpoints")[-1] / "ema.safetensors"))
    for k in w:
        torch.testing.assert_close(w[k], p[k], rtol=0, atol=0, msg=k)
    pipe = ID2FacePipeline.from_pretrained(whole)
    pipe.set_progress_bar_config(disable=True)
    assert pipe.config.backbone == "taef2" and pipe.unet.config.in_channels == 65
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (2, SIZE, SIZE, 3), dtype=np.uint8)
    out = pipe(
        faces,
        source_embeddings=rng.standard_normal((2, 128)).astype(np.float32),
        num_inference_steps=2,
        generator=torch.Generator().manual_seed(0),
    )
    assert out.images.shape == (2, SIZE, SIZE, 3) and out.images.dtype == np.uint8


def test_min_snr_weights():
    """min(SNR, gamma)/(SNR + 1) for v targets, min(SNR, gamma)/SNR for epsilon; 1 when switched off."""
    from diffusers import DDPMScheduler

    from id2face.training.latent_losses import snr_weight

    t = torch.tensor([0, 500, 999])
    for pred in ("v_prediction", "epsilon"):
        sched = DDPMScheduler(beta_schedule="squaredcos_cap_v2", prediction_type=pred)
        ab = sched.alphas_cumprod[t]
        snr = ab / (1 - ab)
        w = snr_weight(sched, t, 5.0)
        want = snr.clamp(max=5) / (snr + 1 if pred == "v_prediction" else snr)
        torch.testing.assert_close(w, want.float())
        assert w[0] < 1 and torch.equal(snr_weight(sched, t, 0.0), torch.ones(3))
