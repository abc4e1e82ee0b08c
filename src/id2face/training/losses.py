"""Training objective of ID2Face (docs/method.md items 4 and 6), for the training helper to call.

batch (tensors, same identity in a and b, one pair per row):
    image_a, image_b: (B, 3, S, S) float in [-1, 1], aligned to the model's template
    mask_a, mask_b:   (B, 1, S, S) in [0, 1] (1 = identity region)
    emb_a, emb_b:     (B, D) recognizer embeddings (precomputed; the recognizer is frozen)
    geom_a, geom_b:   (B, G, S, S) geometry maps (optional; zeros when absent)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler

from id2face.model.config import LossConfig
from id2face.model.pipeline import ID2FacePipeline


def rand_on_device(kind, shape, generator: torch.Generator | None, device: torch.device,
                   **kw) -> torch.Tensor:
    """Random numbers drawn on the generator's own device (a CPU generator works for CUDA batches)."""
    gen_dev = generator.device if generator is not None else device
    return kind(*shape, generator=generator, device=gen_dev, **kw).to(device)


def _target(
    noise_sched: DDPMScheduler, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    if noise_sched.config.prediction_type == "v_prediction":
        return noise_sched.get_velocity(x0, noise, t)
    return noise


def training_losses(
    pipe: ID2FacePipeline,
    batch: dict[str, torch.Tensor],
    cfg: LossConfig | None = None,
    generator: torch.Generator | None = None,
    noise_scheduler: DDPMScheduler | None = None,
) -> dict[str, torch.Tensor]:
    """Recomposition + ID-VAE + alignment losses; returns the parts and their weighted sum "loss".

    Recomposition (paper): x_a is reconstructed from (identity of x_b, non-identity of x_a) and x_b
    from (identity of x_a, non-identity of x_b) with the diffusion loss, weighted `mask_weight`
    inside the face mask. The identity goes through the ID-VAE (reparameterised), and is replaced
    by the learned null token with probability `p_drop_id` (identity-masked learning).
    """
    cfg = cfg or LossConfig()
    noise_scheduler = noise_scheduler or DDPMScheduler.from_config(pipe.scheduler.config)
    dev = batch["image_a"].device
    b = batch["image_a"].shape[0]
    s = batch["image_a"].shape[-1]
    zeros = torch.zeros(b, pipe.recomposer.config.geometry_channels, s, s, device=dev)

    vae_a = pipe.idvae(batch["emb_a"], generator)
    vae_b = pipe.idvae(batch["emb_b"], generator)
    loss_idvae = 0.5 * (vae_a["loss"] + vae_b["loss"])

    feats_a, non_a = pipe.recomposer.encode_nonid(
        batch["image_a"], batch["mask_a"], batch.get("geom_a", zeros)
    )
    feats_b, non_b = pipe.recomposer.encode_nonid(
        batch["image_b"], batch["mask_b"], batch.get("geom_b", zeros)
    )
    drop_a = rand_on_device(torch.rand, (b,), generator, dev) < cfg.p_drop_id
    drop_b = rand_on_device(torch.rand, (b,), generator, dev) < cfg.p_drop_id
    cond_a = pipe.recomposer.recompose(vae_b["recon"], feats_a, non_a, drop_a)  # rebuild a with b's identity
    cond_b = pipe.recomposer.recompose(vae_a["recon"], feats_b, non_b, drop_b)

    diffusion = []
    for key, cond in (("a", cond_a), ("b", cond_b)):
        image, mask = batch[f"image_{key}"], batch[f"mask_{key}"]
        with torch.no_grad():
            x0 = pipe.encode_space(image, sample=True, generator=generator)
            inpaint = pipe.inpaint_input(image, mask)
        noise = rand_on_device(torch.randn, x0.shape, generator, dev, dtype=x0.dtype)
        t = rand_on_device(
            lambda n, **kw: torch.randint(0, noise_scheduler.config.num_train_timesteps, (n,), **kw),
            (b,), generator, dev)
        xt = noise_scheduler.add_noise(x0, noise, t)
        pred = pipe.predict(xt, t, cond, inpaint)
        w = 1.0 + (cfg.mask_weight - 1.0) * F.adaptive_avg_pool2d(mask, x0.shape[-2:])
        err = (pred.float() - _target(noise_scheduler, x0, noise, t).float()) ** 2
        diffusion.append((err * w).sum() / (w.sum() * x0.shape[1]))
    return combine_losses(pipe, cfg, diffusion, loss_idvae, cond_a, cond_b)


def combine_losses(pipe: ID2FacePipeline, cfg: LossConfig, diffusion: list[torch.Tensor],
                   loss_idvae: torch.Tensor, cond_a, cond_b) -> dict[str, torch.Tensor]:
    """The recomposition loss of both directions, the alignment loss between their conditions and the
    weighted total (shared by the pixel and the latent training losses)."""
    loss_rec = 0.5 * (diffusion[0] + diffusion[1])
    if pipe.recomposer.config.alignment == "bidirectional":
        loss_align = pipe.recomposer.alignment_loss(cond_a, cond_b)
    else:
        loss_align = torch.zeros((), device=loss_rec.device)
    total = loss_rec + cfg.idvae_weight * loss_idvae + cfg.align_weight * loss_align
    return {"loss": total, "loss_recomposition": loss_rec, "loss_idvae": loss_idvae, "loss_align": loss_align}
