"""The fake identity of each face: OIM-sampled in the ID-VAE latent, decoded to the recognizer's space."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .identity_attributes import IdentityAttributes, attribute_rank
from .idvae import IDVAE
from .oim import orthogonal_identity_mapping, sample_identity_latents
from .skin_tone import SkinTone


def look_mismatch(attributes: IdentityAttributes, e_src: torch.Tensor, candidates: torch.Tensor,
                  keep: str | list[str]) -> torch.Tensor | None:
    """(N, K) each candidate's mismatch with its face's look as `keep` asks (per face or for all); None when
    every face is "free"."""
    per_face = [keep] * e_src.shape[0] if isinstance(keep, str) else list(keep)
    if len(per_face) != e_src.shape[0]:
        raise ValueError(f"{len(per_face)} attribute choices for {e_src.shape[0]} faces")
    if all(k == "free" for k in per_face):
        return None
    age = torch.tensor([k == "keep" for k in per_face], device=e_src.device)
    counted = torch.tensor([k != "free" for k in per_face], device=e_src.device)
    return attributes.mismatch(e_src, candidates, age=age) * counted[:, None]


def fake_identities(
    idvae: IDVAE, e_src: torch.Tensor, strength: float, identity_key, generator: torch.Generator | None,
    candidates: int = 1, attributes: IdentityAttributes | None = None, keep: str | list[str] = "keep",
    tone: SkinTone | None = None, tone_gain: float = 0.0,
) -> torch.Tensor:
    """(N, D) unit recognizer embeddings of fake identities for source embeddings `e_src`.

    `identity_key`: one key or one per face (the draw depends only on it), else `generator` draws.
    `candidates` K > 1: K identities are drawn per face (from its key, the first being the K = 1 draw)
    and the one least like the source in the recognizer's space is kept. The ID-VAE decodes every draw
    near the average face, so one draw often lands closer to the source than another person would be;
    the farthest of a few is as random (it depends on the key) but not close.
    `attributes`: the candidates of the source's gender and age ("keep"), or its gender only ("gender"), come
    first (model/identity_attributes.py); "free": as without them. `keep`: one choice, or one per face.
    `tone`, `tone_gain` > 0: the kept identity then takes that share of the way to its source's skin tone
    (model/skin_tone.py).
    """
    if tone_gain > 0 and tone is None:
        raise ValueError("a skin-tone gain needs the model's skin-tone map (skin_tone.safetensors): fit one "
                         "with python -m id2face.training.skin_tone MODEL DATA...")
    n = e_src.shape[0]
    mu, _ = idvae.encode(e_src)
    if identity_key is not None:
        keys = [identity_key] * n if isinstance(identity_key, (str, int)) else list(identity_key)
        z = sample_identity_latents(keys, mu, strength, candidates)
    else:
        gen_dev = generator.device if generator is not None else "cpu"
        shape = (n, candidates, mu.shape[-1]) if candidates > 1 else mu.shape
        z = torch.randn(shape, generator=generator, device=gen_dev, dtype=mu.dtype).to(mu.device)
        z = orthogonal_identity_mapping(z, mu[:, None] if candidates > 1 else mu, strength)
    e = idvae.decode(z)  # (N, D), or (N, K, D) for K candidates
    if candidates > 1:
        similarity = (e * F.normalize(e_src, dim=-1)[:, None]).sum(-1)
        mismatch = None if attributes is None else look_mismatch(attributes, e_src, e, keep)
        e = e[torch.arange(n, device=e.device), attribute_rank(similarity, mismatch)]
    return e if tone_gain <= 0 else tone.matched(e, e_src, tone_gain)
