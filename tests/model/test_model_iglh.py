import torch

from id2face.model.backbones import expand_conv_in, harmonizer_levels
from id2face.model.iglh import IGLH
from id2face.testing.models import tiny_sd_unet


def _unet():
    torch.manual_seed(0)
    return tiny_sd_unet().eval()


def _harmonizer(unet, fusion="gated"):
    ch, feat = harmonizer_levels(unet)
    return IGLH(ch, feat, nonid_channels=(8, 12), width=24, num_heads=2, fusion=fusion, time_dim=16,
                gate_time_channels=4).eval()


def _inputs():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 8, 8, generator=g)
    ctx = torch.randn(2, 5, 24, generator=g)
    feats = [torch.randn(2, 8, 8, 8, generator=g), torch.randn(2, 12, 4, 4, generator=g)]
    return x, ctx, feats


@torch.no_grad()
def test_attached_harmonizer_leaves_pretrained_unet_output_unchanged():
    unet = _unet()
    x, ctx, feats = _inputs()
    t = torch.tensor([10, 700])
    ref = unet(x, t, encoder_hidden_states=ctx).sample
    for fusion in ("gated", "add"):
        harm = _harmonizer(unet, fusion)
        harm.attach(unet)
        with harm.conditioning(t, ctx[:, :2], feats):
            out = unet(x, t, encoder_hidden_states=ctx).sample
        assert torch.equal(out, ref), fusion
        # The test can fail: once the zero-initialised convs move, the output moves.
        torch.nn.init.normal_(harm.gates[-1].res.weight)
        with harm.conditioning(t, ctx[:, :2], feats):
            moved = unet(x, t, encoder_hidden_states=ctx).sample
        assert not torch.allclose(moved, ref)
        harm.detach()
        assert torch.equal(unet(x, t, encoder_hidden_states=ctx).sample, ref)


@torch.no_grad()
def test_gate_formula_and_initial_gate_half():
    unet = _unet()
    harm = _harmonizer(unet)
    gate = harm.gates[0]
    h = torch.randn(2, 32, 4, 4)
    torch.nn.init.normal_(gate.res.weight)
    torch.nn.init.normal_(gate.attn_out.weight)
    feat = torch.randn(2, 12, 4, 4)
    ids = torch.randn(2, 2, 24)
    temb = harm.time_mlp(torch.randn(2, 16))
    a, r = gate.attend(h, ids), gate.res(feat)
    tmap = gate.time(temb)[:, :, None, None].expand(-1, -1, 4, 4)
    g = torch.sigmoid(gate.gate(torch.cat([h, r, a, tmap], 1)))
    torch.testing.assert_close(gate(h, feat, ids, temb, "gated"), h + g * a + (1 - g) * r)
    torch.testing.assert_close(gate(h, feat, ids, temb, "add"), h + a + r)
    assert torch.all(gate.gate.bias == 0)


@torch.no_grad()
def test_expand_conv_in_keeps_output():
    unet = _unet()
    x, ctx, _ = _inputs()
    ref = unet(x, 5, encoder_hidden_states=ctx).sample
    expand_conv_in(unet, 9)
    assert unet.config.in_channels == 9
    out = unet(torch.cat([x, torch.randn(2, 5, 8, 8)], 1), 5, encoder_hidden_states=ctx).sample
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


@torch.no_grad()
def test_step_cache_gives_the_uncached_result_at_every_step():
    """Sampling reuses the step-invariant gate terms; the output must not change."""
    unet = _unet()
    x, ctx, feats = _inputs()
    for fusion in ("gated", "add"):
        harm = _harmonizer(unet, fusion)
        torch.manual_seed(3)
        for p in harm.parameters():  # no zero-initialised parts left: every term counts
            torch.nn.init.normal_(p, std=0.3)
        harm.attach(unet)
        cache: dict = {}
        for step in (900, 400, 20):
            t = torch.tensor([step, step])
            with harm.conditioning(t, ctx[:, :2], feats):
                ref = unet(x, t, encoder_hidden_states=ctx).sample
            with harm.conditioning(t, ctx[:, :2], feats, cache):
                out = unet(x, t, encoder_hidden_states=ctx).sample
            torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)
        assert len(cache) == len(harm.gates)
        with harm.conditioning(torch.tensor([5, 5]), ctx[:, :2], [f * 2 for f in feats]):
            other = unet(x, torch.tensor([5, 5]), encoder_hidden_states=ctx).sample
        assert not torch.allclose(other, ref)  # the conditions do matter
        harm.detach()
