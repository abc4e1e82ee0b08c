"""Non-identity encoder (ours): what stays of a face once its identity region is removed."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .masking import keep_mask


class _ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, groups: int = 8):
        super().__init__()
        self.n1 = nn.GroupNorm(min(groups, cin), cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.n2 = nn.GroupNorm(min(groups, cout), cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x)))
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class NonIdentityEncoder(nn.Module):
    """Identity-masked crop + keep-mask + geometry maps -> multi-scale features and a few tokens.

    Input masking happens *inside* forward (hard zero on every pixel the face mask touches), so
    no caller can feed it the identity region by mistake and the gradient from that region is 0.
    """

    def __init__(
        self,
        in_image_channels: int = 3,
        geometry_channels: int = 4,
        block_channels: tuple[int, ...] = (32, 64, 128, 128),
        first_stride: int = 1,
        num_tokens: int = 4,
        token_width: int = 128,
    ):
        super().__init__()
        self.first_stride = first_stride
        self.num_tokens = num_tokens
        cin = in_image_channels + 1 + geometry_channels
        self.stem = nn.Conv2d(cin, block_channels[0], 3, padding=1)
        self.blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        prev = block_channels[0]
        for i, ch in enumerate(block_channels):
            self.blocks.append(_ResBlock(prev, ch))
            prev = ch
            last = i == len(block_channels) - 1
            self.downs.append(nn.Identity() if last else nn.Conv2d(ch, ch, 3, stride=2, padding=1))
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.to_tokens = nn.Linear(prev * 4, num_tokens * token_width)
        self.token_width = token_width
        self.block_channels = tuple(block_channels)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, geometry: torch.Tensor
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """image (B,3,S,S) in [-1,1], mask (B,1,S,S), geometry (B,G,S,S) -> (features, tokens (B,T,W))."""
        return self.encode_pooled(self.pooled_input(image, mask, geometry))

    def pooled_input(self, image: torch.Tensor, mask: torch.Tensor, geometry: torch.Tensor) -> torch.Tensor:
        """The masked input at the encoder's first resolution (what a latent cache stores once per face)."""
        keep = keep_mask(mask)
        x = torch.cat([image * keep, keep, geometry], dim=1)
        return F.avg_pool2d(x, self.first_stride) if self.first_stride > 1 else x

    def encode_pooled(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """`forward` from `pooled_input`'s output on."""
        h = self.stem(x)
        feats = []
        for block, down in zip(self.blocks, self.downs, strict=True):
            h = block(h)
            feats.append(h)
            h = down(h)
        tokens = self.to_tokens(self.pool(F.silu(h)).flatten(1))
        return feats, tokens.view(h.shape[0], self.num_tokens, self.token_width)
