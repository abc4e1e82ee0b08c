"""Identity-Guided Latent Harmonizer (IGLH, paper): soft gates at every denoiser resolution.

At each hooked block with output h: a = IdentityAttention(h, id tokens), r = conv(non-id features),
g = sigmoid(conv([h; r; a; emb(t)])), out = h + g*a + (1-g)*r   (fusion="gated")
                                      out = h + a + r               (fusion="add", the ablation)
The attention output projection and the residual conv start at exactly zero, so a pretrained
backbone with the Harmonizer attached starts with exactly its original output.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of (B,) timesteps."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class _Gate(nn.Module):
    def __init__(self, ch: int, nonid_ch: int, width: int, heads: int, time_ch: int, time_dim: int):
        super().__init__()
        self.heads = heads if ch % heads == 0 else 1
        self.norm = nn.GroupNorm(math.gcd(ch, 8), ch)
        self.q = nn.Linear(ch, ch, bias=False)
        self.kv = nn.Linear(width, 2 * ch, bias=False)
        self.attn_out = nn.Linear(ch, ch)
        self.res = nn.Conv2d(nonid_ch, ch, 1)
        self.time = nn.Linear(time_dim, time_ch)
        self.gate = nn.Conv2d(3 * ch + time_ch, ch, 1)
        for m in (self.attn_out, self.res):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
        nn.init.zeros_(self.gate.bias)

    def _attention(self, h: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Multi-head attention of h's pixels to the id tokens, before the output projection: (B, HW, C)."""
        b, c = h.shape[:2]
        q = self.q(self.norm(h).flatten(2).transpose(1, 2))  # (B, HW, C)

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, -1, self.heads, c // self.heads).transpose(1, 2)
        x = F.scaled_dot_product_attention(split(q), split(k), split(v))
        return x.transpose(1, 2).reshape(b, -1, c)

    def attend(self, h: torch.Tensor, id_tokens: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = h.shape
        k, v = self.kv(id_tokens.to(h.dtype)).chunk(2, dim=-1)
        a = self.attn_out(self._attention(h, k, v))
        return a.transpose(1, 2).reshape(b, c, hh, ww)

    def residual(self, feat: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        if feat.shape[-2:] != like.shape[-2:]:
            feat = F.interpolate(feat, size=like.shape[-2:], mode="bilinear", align_corners=False)
        return self.res(feat.to(like.dtype))

    def forward(self, h, feat, id_tokens, temb, fusion: str) -> torch.Tensor:
        a = self.attend(h, id_tokens)
        r = self.residual(feat, h)
        if fusion == "add":
            return h + a + r
        tmap = self.time(temb).to(h.dtype)[:, :, None, None].expand(-1, -1, *h.shape[-2:])
        g = torch.sigmoid(self.gate(torch.cat([h, r, a, tmap], dim=1)))
        return h + g * a + (1.0 - g) * r

    def static_terms(self, h, feat, id_tokens) -> dict[str, torch.Tensor]:
        """What does not change between sampling steps: id-token keys/values, the residual r, the
        gate's response to r, and the attention output projection stacked with the gate's response
        to it (the gate conv is linear, so its input blocks split exactly)."""
        c, dt = h.shape[1], h.dtype
        r = self.residual(feat, h)
        w = self.gate.weight.to(dt)[:, :, 0, 0]
        w_a = w[:, 2 * c:3 * c]
        out_w, out_b = self.attn_out.weight.to(dt), self.attn_out.bias.to(dt)
        return {"kv": self.kv(id_tokens.to(dt)).chunk(2, dim=-1), "r": r,
                "gate_r": F.conv2d(r, w[:, c:2 * c, None, None], self.gate.bias.to(dt)),
                "w_h": w[:, :c, None, None].contiguous(), "w_t": w[:, 3 * c:],
                "out_w": torch.cat([out_w, w_a @ out_w]), "out_b": torch.cat([out_b, w_a @ out_b])}

    def forward_cached(self, h, id_tokens, temb, fusion: str, static: dict) -> torch.Tensor:
        """forward() for inference with `static_terms` reused across steps (same result, less work)."""
        b, c, hh, ww = h.shape
        x = self._attention(h, *static["kv"])
        r = static["r"]
        if fusion == "add":
            a = F.linear(x, self.attn_out.weight, self.attn_out.bias)
            return h + a.view(b, hh, ww, c).permute(0, 3, 1, 2) + r
        # one projection gives the attention output a and the gate's response to it
        both = F.linear(x, static["out_w"], static["out_b"]).view(b, hh, ww, 2 * c).permute(0, 3, 1, 2)
        a, a_gate = both[:, :c], both[:, c:]
        t = self.time(temb).to(h.dtype) @ static["w_t"].t()  # the time block: a per-channel offset
        g = (
            F.conv2d(h, static["w_h"])
            .add_(a_gate)
            .add_(static["gate_r"])
            .add_(t[:, :, None, None])
            .sigmoid_()
        )
        return (a - r).mul_(g).add_(h).add_(r)  # = h + g*a + (1-g)*r


class IGLH(ModelMixin, ConfigMixin):
    """One gate per hooked denoiser block (mid block, then each up block).

    The gates read their conditions from a context set by `conditioning(...)` around the UNet
    call (forward hooks cannot take extra arguments); one pipeline instance is therefore not
    meant to be called from several threads at once.

    `level_channels[i]`: channels of the i-th hooked block's output; `level_feature[i]`: which
    non-identity feature map (index, finest first) feeds it, with `nonid_channels` its widths.
    """

    @register_to_config
    def __init__(
        self,
        level_channels: tuple[int, ...] = (128, 128, 128, 64, 32),
        level_feature: tuple[int, ...] = (3, 2, 1, 0, 0),
        nonid_channels: tuple[int, ...] = (32, 64, 128, 128),
        width: int = 128,
        num_heads: int = 4,
        fusion: str = "gated",
        time_dim: int = 64,
        gate_time_channels: int = 8,
    ):
        super().__init__()
        if fusion not in ("gated", "add"):
            raise ValueError(f"fusion must be 'gated' or 'add', got {fusion!r}")
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, time_dim), nn.SiLU())
        self.gates = nn.ModuleList(
            _Gate(c, nonid_channels[f], width, num_heads, gate_time_channels, time_dim)
            for c, f in zip(level_channels, level_feature, strict=True)
        )
        self._ctx: tuple | None = None
        self._handles: list = []

    @staticmethod
    def hook_points(unet: nn.Module) -> list[nn.Module]:
        """The blocks whose outputs are gated: the mid block, then every up block."""
        return [unet.mid_block, *unet.up_blocks]

    def attach(self, unet: nn.Module) -> None:
        """Register forward hooks on `unet` (idempotent). Without `conditioning(...)` they pass through."""
        self.detach()
        points = self.hook_points(unet)
        if len(points) != len(self.gates):
            raise ValueError(
                f"harmonizer has {len(self.gates)} gates, the denoiser {len(points)} hook points"
            )
        for i, mod in enumerate(points):
            self._handles.append(mod.register_forward_hook(self._make_hook(i)))

    def detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def _make_hook(self, i: int):
        def hook(_module, _inputs, output):
            if self._ctx is None:
                return output
            feats, id_tokens, temb, cache = self._ctx
            h = output[0] if isinstance(output, tuple) else output
            gate, feat = self.gates[i], feats[self.config.level_feature[i]]
            if cache is None:
                out = gate(h, feat, id_tokens, temb, self.config.fusion)
            else:
                if i not in cache:
                    cache[i] = gate.static_terms(h, feat, id_tokens)
                out = gate.forward_cached(h, id_tokens, temb, self.config.fusion, cache[i])
            return (out, *output[1:]) if isinstance(output, tuple) else out
        return hook

    @contextmanager
    def conditioning(self, timestep: torch.Tensor, id_tokens: torch.Tensor, features: list[torch.Tensor],
                     cache: dict | None = None):
        """Within this block, calls of the attached denoiser are harmonized with these conditions.

        `cache`: pass the same dict at every step of one sampling run (no gradients) to reuse the
        step-invariant terms; it fills itself on the first step. Training passes none.
        """
        b = id_tokens.shape[0]
        t = torch.as_tensor(timestep, device=id_tokens.device).reshape(-1)
        if t.numel() == 1:
            t = t.expand(b)
        temb = self.time_mlp(timestep_embedding(t, self.config.time_dim).to(self.dtype))
        self._ctx = (features, id_tokens, temb, cache)
        try:
            yield
        finally:
            self._ctx = None
