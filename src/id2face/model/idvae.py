"""ID-VAE: a VAE over recognizer embeddings; its latent space is the identity space (paper)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


def _mlp(dims: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class IDVAE(ModelMixin, ConfigMixin):
    """MLP encoder -> (mu, log sigma^2); MLP decoder -> L2-normalised embedding.

    The recognizer the embeddings come from is recorded in the config (`recognizer_name`) so that a
    saved model can refuse embeddings of another recognizer.
    """

    @register_to_config
    def __init__(
        self,
        embed_dim: int = 128,
        latent_dim: int = 16,
        hidden_dim: int = 256,
        num_layers: int = 2,
        beta: float = 1e-3,
        recognizer_name: str = "dlib_resnet_v1",
    ):
        super().__init__()
        hidden = [hidden_dim] * num_layers
        self.encoder = _mlp([embed_dim, *hidden, 2 * latent_dim])
        self.decoder = _mlp([latent_dim, *hidden, embed_dim])

    def encode(self, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, D) embeddings -> mu, logvar, each (N, latent_dim)."""
        mu, logvar = self.encoder(F.normalize(e, dim=-1)).chunk(2, dim=-1)
        return mu, logvar.clamp(-30.0, 20.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(N, latent_dim) -> (N, D) unit-norm embeddings."""
        return F.normalize(self.decoder(z), dim=-1)

    def reparameterize(
        self, mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        gen_dev = generator.device if generator is not None else mu.device
        noise = torch.randn(mu.shape, generator=generator, device=gen_dev, dtype=mu.dtype).to(mu.device)
        return mu + noise * torch.exp(0.5 * logvar)

    def forward(self, e: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Encode, sample, decode; returns recon, mu, logvar, z and the loss terms."""
        mu, logvar = self.encode(e)
        z = self.reparameterize(mu, logvar, generator) if self.training else mu
        recon = self.decode(z)
        out = {"recon": recon, "mu": mu, "logvar": logvar, "z": z}
        out.update(self.loss(e, recon, mu, logvar))
        return out

    def loss(
        self, e: torch.Tensor, recon: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """(1 - cos) + beta * KL(q(z|e) || N(0, I)), both averaged over the batch."""
        cos = F.cosine_similarity(recon, F.normalize(e, dim=-1), dim=-1)
        rec = (1.0 - cos).mean()
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)).mean()
        return {"loss_cos": rec, "loss_kl": kl, "loss": rec + self.config.beta * kl}
