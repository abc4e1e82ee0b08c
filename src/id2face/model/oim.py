"""Orthogonal Identity Mapping (OIM) and key-seeded sampling in the ID-VAE latent space.

OIM (paper, Fig. 4) makes the sampled identity orthogonal to the source identity, in both the
acute and the obtuse case, so that a random draw can never land close to the source by chance.
"""

from __future__ import annotations

import hashlib

import torch


def orthogonal_identity_mapping(z: torch.Tensor, mu_src: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
    """Remove the component of z along mu_src and keep |z|; `strength` blends z (0) -> z_perp (1).

    z, mu_src: (..., d). Computed in float64 so that cos(z_perp, mu_src) is 0 to rounding.
    With strength in (0, 1) the blend is renormalised to |z| as well.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    if strength == 0.0:
        return z
    dtype = z.dtype
    z64, m64 = z.double(), mu_src.double().expand_as(z)
    u = m64 / m64.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    perp = z64 - (z64 * u).sum(-1, keepdim=True) * u
    norm = z64.norm(dim=-1, keepdim=True)
    pn = perp.norm(dim=-1, keepdim=True)
    # z parallel to mu_src (measure zero): any orthogonal direction will do; pick a fixed one.
    if bool((pn < 1e-12).any()):
        e = torch.zeros_like(z64)
        e[..., 0] = 1.0
        alt = e - (e * u).sum(-1, keepdim=True) * u
        alt2 = torch.roll(e, 1, dims=-1) - (torch.roll(e, 1, dims=-1) * u).sum(-1, keepdim=True) * u
        alt = torch.where(alt.norm(dim=-1, keepdim=True) > 1e-6, alt, alt2)
        perp = torch.where(pn < 1e-12, alt, perp)
        pn = perp.norm(dim=-1, keepdim=True)
    z_perp = norm * perp / pn
    if strength < 1.0:
        mix = (1.0 - strength) * z64 + strength * z_perp
        z_perp = norm * mix / mix.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return z_perp.to(dtype)


def key_to_seed(key: str | int) -> int:
    """A stable 63-bit seed from any key (same key -> same seed on every machine and run)."""
    digest = hashlib.sha256(str(key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)


def key_generator(key: str | int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch.Generator seeded by `key`."""
    return torch.Generator(device=device).manual_seed(key_to_seed(key))


def _draws(g: torch.Generator, k: int, d: int) -> torch.Tensor:
    """k draws of N(0, I_d), one call each: the first is what a single draw gives (torch fills a
    size-(k*d) tensor another way when d < 16)."""
    return torch.stack([torch.randn(d, generator=g) for _ in range(k)])


def sample_identity_latents(
    keys: list[str | int],
    mu_src: torch.Tensor,
    strength: float = 1.0,
    candidates: int = 1,
) -> torch.Tensor:
    """Fake identity latents per face: z ~ N(0, I) drawn from its key, then OIM against mu_src.

    The draw depends only on the key, and OIM only on (z, mu_src), so the same key and the same
    person give the same fake identity every time (one video track keeps one fake face). With
    `candidates` K > 1: (N, K, d), K draws in a row from the key's generator (the first is the K = 1
    draw); else (N, d).
    """
    if len(keys) != mu_src.shape[0]:
        raise ValueError(f"{len(keys)} keys for {mu_src.shape[0]} faces")
    if candidates < 1:
        raise ValueError(f"candidates must be at least 1, got {candidates}")
    d = mu_src.shape[-1]
    z = torch.stack([_draws(key_generator(k), candidates, d) for k in keys])
    z = orthogonal_identity_mapping(z.to(mu_src.device, mu_src.dtype), mu_src[:, None], strength)
    return z if candidates > 1 else z[:, 0]
