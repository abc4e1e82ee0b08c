import pytest
import torch

from id2face.model.oim import key_to_seed, orthogonal_identity_mapping, sample_identity_latents


def _cos(a, b):
    return torch.nn.functional.cosine_similarity(a.double(), b.double(), dim=-1)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["acute", "obtuse"])
def test_oim_orthogonal_and_norm_kept(sign):
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(64, 16, generator=g)
    z = sign * mu + 0.5 * torch.randn(64, 16, generator=g)
    assert ((_cos(z, mu) > 0) == (sign > 0)).all()
    out = orthogonal_identity_mapping(z, mu)
    assert _cos(out, mu).abs().max() < 1e-6
    torch.testing.assert_close(out.norm(dim=-1), z.norm(dim=-1), rtol=1e-6, atol=1e-6)
    assert out.dtype == z.dtype and out.shape == z.shape


def test_oim_strength_zero_returns_z_and_blend_moves_monotonically():
    g = torch.Generator().manual_seed(1)
    mu, z = torch.randn(8, 16, generator=g), torch.randn(8, 16, generator=g)
    assert torch.equal(orthogonal_identity_mapping(z, mu, 0.0), z)
    cos = [_cos(orthogonal_identity_mapping(z, mu, s), mu).abs() for s in (0.0, 0.3, 0.7, 1.0)]
    for a, b in zip(cos[:-1], cos[1:], strict=True):
        assert (b <= a + 1e-9).all()
    mid = orthogonal_identity_mapping(z, mu, 0.5)
    torch.testing.assert_close(mid.norm(dim=-1), z.norm(dim=-1))
    with pytest.raises(ValueError):
        orthogonal_identity_mapping(z, mu, 1.5)


def test_oim_parallel_input_still_orthogonal():
    mu = torch.tensor([[1.0, 2.0, 3.0]])
    out = orthogonal_identity_mapping(-2 * mu, mu)
    assert _cos(out, mu).abs().item() < 1e-6
    torch.testing.assert_close(out.norm(), (2 * mu).norm())


def test_key_sampling_is_stable_and_key_dependent():
    mu = torch.randn(3, 16, generator=torch.Generator().manual_seed(2))
    a = sample_identity_latents(["k:1", "k:2", "k:1"], mu)
    b = sample_identity_latents(["k:1", "k:2", "k:1"], mu)
    assert torch.equal(a, b)
    assert _cos(a, mu).abs().max() < 1e-6
    same_person = sample_identity_latents(["k:1", "k:1"], mu[:1].expand(2, -1))
    assert torch.equal(same_person[0], same_person[1])
    assert not torch.allclose(a[0], a[1])
    assert key_to_seed("abc") == key_to_seed("abc") != key_to_seed("abd")
    with pytest.raises(ValueError):
        sample_identity_latents(["only-one"], mu)


def test_several_candidates_per_key_start_with_the_single_draw():
    mu = torch.randn(3, 16)
    one = sample_identity_latents(["a", "b", "c"], mu)
    four = sample_identity_latents(["a", "b", "c"], mu, candidates=4)
    assert one.shape == (3, 16) and four.shape == (3, 4, 16)
    torch.testing.assert_close(four[:, 0], one)  # K = 1 outputs stay what they were
    assert not torch.allclose(four[:, 1], four[:, 0])
    cos = torch.nn.functional.cosine_similarity(four, mu[:, None], dim=-1)
    assert cos.abs().max() < 1e-5  # every candidate is orthogonal to its source
    with pytest.raises(ValueError, match="candidates"):
        sample_identity_latents(["a"], mu[:1], candidates=0)
