"""The ID2Face objective on latent-cache batches, with min-SNR-gamma weighting of the diffusion loss.

Same recomposition, ID-VAE and alignment terms as model.losses.training_losses, but the images arrive
already encoded (see latent_cache.py). Min-SNR-gamma (Hang et al., 2023) caps the weight of the
easy low-noise timesteps so that the few steps a short GPU burst affords go where they teach most.
"""

from __future__ import annotations

import torch
from diffusers import DDPMScheduler

from id2face.model.config import LossConfig
from id2face.training.losses import combine_losses, rand_on_device


def snr_weight(sched: DDPMScheduler, t: torch.Tensor, gamma: float) -> torch.Tensor:
    """Per-sample weight: min(SNR, gamma) / SNR for epsilon, / (SNR + 1) for v targets (1 if gamma <= 0)."""
    if gamma <= 0:
        return torch.ones(t.shape, device=t.device)
    ab = sched.alphas_cumprod.to(t.device)[t].float()
    snr = ab / (1.0 - ab)
    capped = snr.clamp(max=gamma)
    return capped / (snr + 1.0) if sched.config.prediction_type == "v_prediction" else capped / snr


def latent_training_losses(
    pipe,
    batch: dict[str, torch.Tensor],
    cfg: LossConfig | None = None,
    generator: torch.Generator | None = None,
    noise_scheduler: DDPMScheduler | None = None,
) -> dict[str, torch.Tensor]:
    """Recomposition (a rebuilt with b's identity and the other way round) + ID-VAE + alignment losses."""
    cfg = cfg or LossConfig()
    sched = noise_scheduler or DDPMScheduler.from_config(pipe.scheduler.config)
    x0a = batch["x0_a"]
    dev, b = x0a.device, x0a.shape[0]
    vae_a = pipe.idvae(batch["emb_a"], generator)
    vae_b = pipe.idvae(batch["emb_b"], generator)
    loss_idvae = 0.5 * (vae_a["loss"] + vae_b["loss"])
    enc = pipe.recomposer.nonid
    feats_a, non_a = enc.encode_pooled(batch["nonid_a"])
    feats_b, non_b = enc.encode_pooled(batch["nonid_b"])
    drop_a = rand_on_device(torch.rand, (b,), generator, dev) < cfg.p_drop_id
    drop_b = rand_on_device(torch.rand, (b,), generator, dev) < cfg.p_drop_id
    cond_a = pipe.recomposer.recompose(vae_b["recon"], feats_a, non_a, drop_a)
    cond_b = pipe.recomposer.recompose(vae_a["recon"], feats_b, non_b, drop_b)
    keep_ch = 3  # nonid input channels: masked RGB (3), keep mask (1), geometry (G)

    diffusion = []
    for key, cond in (("a", cond_a), ("b", cond_b)):
        x0 = batch[f"x0_{key}"]
        removed = 1.0 - batch[f"nonid_{key}"][:, keep_ch : keep_ch + 1]
        inpaint = torch.cat([batch[f"masked_{key}"], removed], dim=1)
        noise = rand_on_device(torch.randn, x0.shape, generator, dev, dtype=x0.dtype)
        t = rand_on_device(
            lambda n, **kw: torch.randint(0, sched.config.num_train_timesteps, (n,), **kw),
            (b,),
            generator,
            dev,
        )
        xt = sched.add_noise(x0, noise, t)
        pred = pipe.predict(xt, t, cond, inpaint)
        target = sched.get_velocity(x0, noise, t) if sched.config.prediction_type == "v_prediction" else noise
        w = 1.0 + (cfg.mask_weight - 1.0) * batch[f"face_{key}"]
        err = ((pred.float() - target.float()) ** 2 * w).sum(dim=(1, 2, 3)) / (
            w.sum(dim=(1, 2, 3)) * x0.shape[1]
        )
        diffusion.append((err * snr_weight(sched, t, cfg.min_snr_gamma)).mean())
    return combine_losses(pipe, cfg, diffusion, loss_idvae, cond_a, cond_b)
