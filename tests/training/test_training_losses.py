"""The training objective: finite, and every trainable part gets a gradient."""

import pytest
import torch

from id2face.model import build_pipeline
from id2face.model.config import LossConfig
from id2face.testing.models import tiny_config
from id2face.training.losses import training_losses

S = 32


@pytest.mark.parametrize("alignment,fusion", [("bidirectional", "gated"), ("none", "add")])
def test_training_losses_backward(alignment, fusion):
    torch.manual_seed(0)
    cfg = tiny_config(S)
    cfg.recomposer.alignment = alignment
    cfg.harmonizer.fusion = fusion
    p = build_pipeline(cfg)
    g = torch.Generator().manual_seed(0)
    b = 2
    batch = {
        "image_a": torch.rand(b, 3, S, S, generator=g) * 2 - 1,
        "image_b": torch.rand(b, 3, S, S, generator=g) * 2 - 1,
        "mask_a": torch.zeros(b, 1, S, S),
        "mask_b": torch.zeros(b, 1, S, S),
        "emb_a": torch.randn(b, 128, generator=g),
        "emb_b": torch.randn(b, 128, generator=g),
    }
    batch["mask_a"][..., 8:24, 8:24] = 1
    batch["mask_b"][..., 6:22, 10:26] = 1
    losses = training_losses(p, batch, LossConfig(p_drop_id=0.5), generator=g)
    assert set(losses) == {"loss", "loss_recomposition", "loss_idvae", "loss_align"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert (losses["loss_align"] > 0) == (alignment == "bidirectional")
    losses["loss"].backward()
    assert p.harmonizer.gates[0].res.weight.grad.abs().sum() > 0  # zero-init convs still learn
    assert p.recomposer.id_proj[0].weight.grad.abs().sum() > 0
    assert p.idvae.decoder[0].weight.grad.abs().sum() > 0
