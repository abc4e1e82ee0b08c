"""Identity-Decoupled Latent Recomposer (IDLR, paper): identity tokens + non-identity cues."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from .nonid_encoder import NonIdentityEncoder


@dataclass
class Condition:
    """Everything the denoiser is conditioned on for one batch of faces."""

    tokens: torch.Tensor  # (B, T_id + T_non, W): cross-attention context
    id_tokens: torch.Tensor  # (B, T_id, W): what the Harmonizer's identity attention reads
    features: list[torch.Tensor]  # non-identity feature maps, finest first

    @classmethod
    def stacked(cls, first: Condition, second: Condition) -> Condition:
        """Two conditions of the same faces as one batch (first half, then second half)."""
        return cls(torch.cat([first.tokens, second.tokens]), torch.cat([first.id_tokens, second.id_tokens]),
                   [torch.cat([a, b]) for a, b in zip(first.features, second.features, strict=True)])


class _CrossAttend(nn.Module):
    """x <- x + Attn(LN(x), LN(ctx)): one direction of the bidirectional alignment."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.nq, self.nk = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        k = self.nk(ctx)
        return x + self.attn(self.nq(x), k, k, need_weights=False)[0]


class IDLR(ModelMixin, ConfigMixin):
    """Builds the denoiser condition from an identity embedding and non-identity cues.

    Training (same-identity pair a, b): `encode_nonid(a)` + `recompose(e_b)` reconstructs a, and
    the other way round; `alignment_loss` ties the two recomposed identity tokens together.
    `alignment="none"` is the Fig. 3 ablation (plain concatenation).
    """

    @register_to_config
    def __init__(
        self,
        embed_dim: int = 128,
        width: int = 128,
        num_id_tokens: int = 4,
        num_heads: int = 4,
        alignment: str = "bidirectional",
        geometry_channels: int = 4,
        nonid_channels: tuple[int, ...] = (32, 64, 128, 128),
        nonid_first_stride: int = 1,
        num_nonid_tokens: int = 4,
    ):
        super().__init__()
        if alignment not in ("none", "bidirectional"):
            raise ValueError(f"alignment must be 'none' or 'bidirectional', got {alignment!r}")
        self.nonid = NonIdentityEncoder(3, geometry_channels, tuple(nonid_channels), nonid_first_stride,
                                        num_nonid_tokens, width)
        self.id_proj = nn.Sequential(nn.Linear(embed_dim, width * 2), nn.SiLU(),
                                     nn.Linear(width * 2, num_id_tokens * width))
        self.null_id = nn.Parameter(torch.randn(num_id_tokens, width) * 0.02)
        if alignment == "bidirectional":
            self.id_from_non = _CrossAttend(width, num_heads)
            self.non_from_id = _CrossAttend(width, num_heads)

    def encode_nonid(
        self, image: torch.Tensor, mask: torch.Tensor, geometry: torch.Tensor
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Multi-scale features and tokens of the identity-masked face."""
        return self.nonid(image, mask, geometry)

    def identity_tokens(
        self, e_id: torch.Tensor | None, batch: int, drop: torch.Tensor | None = None
    ) -> torch.Tensor:
        """(B, D) embedding -> (B, T_id, W); None or drop[b] = True gives the learned null token."""
        null = self.null_id[None].expand(batch, -1, -1)
        if e_id is None:
            return null
        tok = self.id_proj(F.normalize(e_id, dim=-1)).view(
            batch, self.config.num_id_tokens, self.config.width
        )
        if drop is not None:
            tok = torch.where(drop[:, None, None], null.to(tok.dtype), tok)
        return tok

    def recompose(
        self, e_id: torch.Tensor | None, features: list[torch.Tensor], nonid_tokens: torch.Tensor,
        drop: torch.Tensor | None = None,
    ) -> Condition:
        """Join an identity with non-identity cues (possibly of another photo of the person)."""
        idt = self.identity_tokens(e_id, nonid_tokens.shape[0], drop)
        non = nonid_tokens
        if self.config.alignment == "bidirectional":
            idt, non = self.id_from_non(idt, non), self.non_from_id(non, idt)
        return Condition(torch.cat([idt, non], dim=1), idt, features)

    def forward(
        self, e_id: torch.Tensor | None, image: torch.Tensor, mask: torch.Tensor, geometry: torch.Tensor,
        drop: torch.Tensor | None = None,
    ) -> Condition:
        feats, non = self.encode_nonid(image, mask, geometry)
        return self.recompose(e_id, feats, non, drop)

    @staticmethod
    def alignment_loss(cond_ab: Condition, cond_ba: Condition) -> torch.Tensor:
        """1 - cos between the pooled identity tokens recomposed in the a->b and b->a directions.

        Both carry the same person's identity; after alignment with different non-identity cues
        they must still agree, so no pose/expression leaks into the identity half (and back).
        """
        a, b = cond_ab.id_tokens.mean(1), cond_ba.id_tokens.mean(1)
        return (1.0 - F.cosine_similarity(a, b, dim=-1)).mean()
