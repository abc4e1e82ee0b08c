import numpy as np
import torch

from id2face.model.geometry_maps import GEOMETRY_CHANNELS, geometry_maps
from id2face.model.idlr import IDLR
from id2face.model.masking import default_mask


def _inputs(b=2, s=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = (torch.rand(b, 3, s, s, generator=g) * 2 - 1).requires_grad_(True)
    mask = torch.from_numpy(
        default_mask(s, np.array([[0.38, 0.46], [0.62, 0.46], [0.5, 0.58], [0.41, 0.7], [0.59, 0.7]]))
    )
    mask = mask[None, None].expand(b, 1, s, s).contiguous()
    lm = torch.rand(b, 478, 2, generator=g) * s
    return image, mask, geometry_maps(lm, b, s)


def test_geometry_maps_shapes_range_and_missing_faces():
    lm = torch.full((3, 478, 2), 16.0)
    lm[1] = float("nan")
    maps = geometry_maps(lm, 3, 32)
    assert maps.shape == (3, GEOMETRY_CHANNELS, 32, 32)
    assert maps.min() >= 0 and maps.max() <= 1
    assert maps[0].amax() > 0.5 and maps[1].abs().sum() == 0
    assert geometry_maps(None, 2, 32).abs().sum() == 0


def test_nonid_features_and_tokens_shapes():
    torch.manual_seed(0)
    idlr = IDLR(embed_dim=128, width=16, num_id_tokens=2, num_heads=2, nonid_channels=(8, 16, 16),
                nonid_first_stride=2, num_nonid_tokens=3)
    image, mask, geom = _inputs()
    feats, tokens = idlr.encode_nonid(image, mask, geom)
    assert [tuple(f.shape) for f in feats] == [(2, 8, 16, 16), (2, 16, 8, 8), (2, 16, 4, 4)]
    assert tokens.shape == (2, 3, 16)
    cond = idlr.recompose(torch.randn(2, 128), feats, tokens)
    assert cond.tokens.shape == (2, 5, 16) and cond.id_tokens.shape == (2, 2, 16)


def test_no_gradient_from_identity_region_into_nonid_branch():
    torch.manual_seed(0)
    idlr = IDLR(embed_dim=128, width=16, num_id_tokens=2, num_heads=2, nonid_channels=(8, 16))
    image, mask, geom = _inputs()
    feats, tokens = idlr.encode_nonid(image, mask, geom)
    (sum(f.square().sum() for f in feats) + tokens.square().sum()).backward()
    grad = image.grad.abs().sum(1)  # (B, S, S)
    inside = mask[:, 0] > 0
    assert inside.any() and (~inside).any()
    assert grad[inside].abs().max() == 0.0
    assert grad[~inside].abs().max() > 0.0
    # ... and changing the identity region changes nothing downstream.
    image2 = image.detach().clone()
    image2[inside[:, None].expand_as(image2)] = 0.7
    feats2, tokens2 = idlr.encode_nonid(image2, mask, geom)
    assert torch.equal(tokens2, tokens) and all(torch.equal(a, b) for a, b in zip(feats, feats2, strict=True))


def test_null_identity_token_and_alignment_flag():
    torch.manual_seed(0)
    for alignment in ("bidirectional", "none"):
        idlr = IDLR(
            embed_dim=128, width=16, num_id_tokens=2, num_heads=2, nonid_channels=(8, 16), alignment=alignment
        )
        image, mask, geom = _inputs()
        feats, tok = idlr.encode_nonid(image, mask, geom)
        e = torch.randn(2, 128)
        drop = torch.tensor([True, False])
        dropped = idlr.identity_tokens(e, 2, drop)
        assert torch.equal(dropped[0], idlr.null_id) and not torch.equal(dropped[1], idlr.null_id)
        a = idlr.recompose(e, feats, tok)
        b = idlr.recompose(e, [f.flip(0) for f in feats], tok.flip(0))
        loss = IDLR.alignment_loss(a, b)
        if alignment == "none":
            assert torch.equal(a.tokens[:, 2:], tok) and loss.abs() < 1e-6
        else:
            assert loss > 0
