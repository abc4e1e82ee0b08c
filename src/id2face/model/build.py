"""Build a fresh (untrained) ID2FacePipeline from an ID2FaceConfig."""

from __future__ import annotations

from pathlib import Path

from diffusers import DDIMScheduler
from diffusers.schedulers.scheduling_utils import SchedulerMixin

from id2face.geometry import TEMPLATES
from id2face.identity import Recognizer

from .backbone_taef2 import LATENT_FACTOR, build_taef2_backbone
from .backbones import build_pixel_unet, harmonizer_levels, load_latent_backbone
from .config import ID2FaceConfig
from .idlr import IDLR
from .idvae import IDVAE
from .iglh import IGLH
from .pipeline import ID2FacePipeline


def default_scheduler(cfg: ID2FaceConfig) -> DDIMScheduler:
    """DDIM over a cosine schedule (pixel) or SD's scaled-linear schedule (latent).

    Pixel models sample from t = 1000 - 1000/steps down ("leading" spacing, offset 1) and clip the
    x0 estimate to the image range: at t = 999 the cosine schedule has alpha_bar ~ 2e-9, so an
    epsilon model's x0 estimate would amplify its error 20,000-fold.
    """
    pixel = cfg.backbone == "pixel"
    cosine = cfg.backbone in ("pixel", "taef2")  # trained from scratch: cosine; SD's own: scaled-linear
    return DDIMScheduler(
        num_train_timesteps=cfg.num_train_timesteps,
        beta_schedule="squaredcos_cap_v2" if cosine else "scaled_linear",
        beta_start=0.00085, beta_end=0.012, clip_sample=pixel, set_alpha_to_one=False,
        prediction_type=cfg.prediction_type, timestep_spacing="leading" if pixel else "trailing",
        steps_offset=1 if pixel else 0,
    )


def _base_scheduler(cfg: ID2FaceConfig) -> DDIMScheduler | None:
    """The SD directory's own noise schedule as DDIM, when building the latent backbone."""
    if cfg.backbone != "latent" or not cfg.base_model or not (Path(cfg.base_model) / "scheduler").is_dir():
        return None
    return DDIMScheduler.from_pretrained(cfg.base_model, subfolder="scheduler")


def build_pipeline(
    cfg: ID2FaceConfig, recognizer: Recognizer | None = None, scheduler: SchedulerMixin | None = None,
) -> ID2FacePipeline:
    """Randomly initialised model (or SD backbone + new modules) following `cfg`.

    `recognizer` fixes the embedding size and is recorded in the saved model; without it the
    config's recognizer name and `cfg.idvae.embed_dim` are recorded (no template check then).
    """
    if cfg.template not in TEMPLATES:
        raise ValueError(f"unknown crop template {cfg.template!r}; known: {sorted(TEMPLATES)}")
    embed_dim = recognizer.dim if recognizer is not None else cfg.idvae.embed_dim
    rec_name = recognizer.name if recognizer is not None else cfg.recognizer
    if cfg.backbone == "pixel":
        unet, vae = build_pixel_unet(cfg), None
        first_stride = cfg.denoiser.patch_size
    elif cfg.backbone == "latent":
        unet, vae = load_latent_backbone(cfg)
        first_stride = 2 ** (len(vae.config.block_out_channels) - 1)
    elif cfg.backbone == "taef2":
        unet, vae = build_taef2_backbone(cfg)
        first_stride = LATENT_FACTOR
    else:
        raise ValueError(f"backbone must be 'pixel', 'latent' or 'taef2', got {cfg.backbone!r}")
    width = unet.config.cross_attention_dim
    n_levels = len(unet.config.block_out_channels)
    nonid_ch = tuple(cfg.nonid.block_channels)
    if len(nonid_ch) != n_levels:  # one non-identity scale per UNet level
        nonid_ch = tuple(nonid_ch[min(i, len(nonid_ch) - 1)] for i in range(n_levels))
    v = cfg.idvae
    idvae = IDVAE(embed_dim, v.latent_dim, v.hidden_dim, v.num_layers, v.beta, rec_name)
    r = cfg.recomposer
    recomposer = IDLR(
        embed_dim,
        width,
        r.num_id_tokens,
        r.num_heads,
        r.alignment,
        cfg.nonid.geometry_channels,
        nonid_ch,
        first_stride,
        cfg.nonid.num_tokens,
    )
    level_ch, level_feat = harmonizer_levels(unet)
    h = cfg.harmonizer
    harmonizer = IGLH(
        level_ch, level_feat, nonid_ch, width, h.num_heads, h.fusion, h.time_dim, h.gate_time_channels
    )
    rec = recognizer.describe() if recognizer is not None else {"recognizer_dim": embed_dim}
    rec.pop("recognizer_name", None)
    return ID2FacePipeline(
        idvae=idvae, recomposer=recomposer, unet=unet, harmonizer=harmonizer,
        scheduler=scheduler or _base_scheduler(cfg) or default_scheduler(cfg), vae=vae, backbone=cfg.backbone,
        patch_size=cfg.denoiser.patch_size, crop_size=cfg.crop_size, template_name=cfg.template,
        recognizer_name=rec_name, **rec,
    )
