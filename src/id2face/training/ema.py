"""Exponential moving average of the trainable weights (what the saved model ships)."""

from __future__ import annotations

import torch
from torch import nn


class EMA:
    """Shadow copies of `module`'s trainable parameters; decay ramps up as 1 - 1/(1 + step/warmup)."""

    def __init__(self, module: nn.Module, decay: float = 0.999, warmup: int = 100):
        self.decay, self.warmup = decay, warmup
        self.shadow = {k: p.detach().clone().float() for k, p in module.named_parameters() if p.requires_grad}
        self._backup: dict[str, torch.Tensor] | None = None

    def decay_at(self, step: int) -> float:
        return min(self.decay, 1.0 - 1.0 / (1.0 + step / max(self.warmup, 1)))

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        """shadow += (1 - d)(p - shadow) as one multi-tensor op (not hundreds of tiny kernels)."""
        d = self.decay_at(step)
        pairs = [(self.shadow[k], p.detach()) for k, p in module.named_parameters() if k in self.shadow]
        same = [(s, p) for s, p in pairs if p.dtype == s.dtype and p.device == s.device]
        if same:
            torch._foreach_lerp_([s for s, _ in same], [p for _, p in same], 1.0 - d)
        for s, p in pairs:
            if p.dtype != s.dtype or p.device != s.device:
                s.lerp_(p.to(s.device, s.dtype), 1.0 - d)

    @torch.no_grad()
    def swap_in(self, module: nn.Module) -> None:
        """Put the EMA weights into `module` (keep the live ones for `swap_out`)."""
        params = dict(module.named_parameters())
        self._backup = {k: params[k].detach().clone() for k in self.shadow}
        for k, v in self.shadow.items():
            params[k].copy_(v.to(params[k].dtype))

    @torch.no_grad()
    def swap_out(self, module: nn.Module) -> None:
        assert self._backup is not None, "swap_in first"
        params = dict(module.named_parameters())
        for k, v in self._backup.items():
            params[k].copy_(v)
        self._backup = None

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().contiguous() for k, v in self.shadow.items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        missing = set(self.shadow) - set(state)
        if missing:
            raise ValueError(f"EMA checkpoint lacks {len(missing)} weights, e.g. {sorted(missing)[:3]}")
        for k in self.shadow:
            self.shadow[k].copy_(state[k])
