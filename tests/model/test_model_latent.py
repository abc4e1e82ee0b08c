import numpy as np
import pytest
import torch
from diffusers import UNet2DConditionModel

from id2face.model import ID2FacePipeline, build_pipeline
from id2face.testing.models import tiny_config, write_tiny_sd

S = 64


@pytest.fixture(scope="module")
def sd_dir(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("sd") / "tiny-sd")


def _cfg(sd_dir):
    cfg = tiny_config(S, backbone="latent", base_model=str(sd_dir))
    cfg.recomposer.num_heads = 2
    return cfg


def test_latent_backbone_end_to_end_and_round_trip(sd_dir, tmp_path):
    torch.manual_seed(0)
    pipe = build_pipeline(_cfg(sd_dir))
    pipe.set_progress_bar_config(disable=True)
    assert pipe.vae is not None and pipe.unet.config.in_channels == 9
    assert pipe.recomposer.config.width == pipe.unet.config.cross_attention_dim == 24
    assert pipe.sample_shape(2) == (2, 4, 8, 8)
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (2, S, S, 3), dtype=np.uint8)
    emb = rng.standard_normal((2, 128)).astype(np.float32)
    out = pipe(
        faces, source_embeddings=emb, num_inference_steps=2, generator=torch.Generator().manual_seed(0)
    )
    assert out.images.shape == (2, S, S, 3) and out.images.dtype == np.uint8
    pipe.save_pretrained(tmp_path / "m")
    back = ID2FacePipeline.from_pretrained(tmp_path / "m")
    back.set_progress_bar_config(disable=True)
    again = back(
        faces, source_embeddings=emb, num_inference_steps=2, generator=torch.Generator().manual_seed(0)
    )
    assert np.array_equal(out.images, again.images)


@torch.no_grad()
def test_fresh_modules_keep_the_pretrained_unet_output(sd_dir):
    """With zero-initialised gates and zero-widened conv_in the SD UNet predicts what it did before."""
    torch.manual_seed(0)
    pipe = build_pipeline(_cfg(sd_dir))
    ref_unet = UNet2DConditionModel.from_pretrained(sd_dir, subfolder="unet").eval()
    rng = np.random.default_rng(1)
    faces = rng.integers(0, 256, (1, S, S, 3), dtype=np.uint8)
    image, mask, geom = pipe.to_tensors(faces, None, None)
    cond = pipe.recomposer(torch.randn(1, 128), image, mask, geom)
    inpaint = pipe.inpaint_input(image, mask)
    x = torch.randn(1, 4, 8, 8)
    got = pipe.predict(x, 300, cond, inpaint)
    ref = ref_unet(x, 300, encoder_hidden_states=cond.tokens).sample
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)


def test_missing_base_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Stable Diffusion"):
        build_pipeline(tiny_config(S, backbone="latent", base_model=str(tmp_path)))
    with pytest.raises(ValueError, match="base_model"):
        build_pipeline(tiny_config(S, backbone="latent"))


def test_shipped_sd15_shapes_are_stable_diffusion_15():
    """random:sd15 must time the paper's backbone: SD-1.5's 860 M-parameter UNet (9-channel input) and VAE."""
    from diffusers import AutoencoderKL

    from id2face.model.backbones import backbone_shapes

    shapes = backbone_shapes("sd15")
    with torch.device("meta"):
        unet = UNet2DConditionModel(**shapes["unet"])
        vae = AutoencoderKL(**shapes["vae"])
    n_unet = sum(p.numel() for p in unet.parameters())
    n_vae = sum(p.numel() for p in vae.parameters())
    # SD-1.5: 859.52 M UNet parameters with 4 input channels; +5 inputs x 320 x 3 x 3 for inpainting
    assert n_unet == 859_520_964 + 5 * 320 * 9
    assert 83_000_000 < n_vae < 84_000_000
    with pytest.raises(ValueError, match="unknown backbone shapes"):
        backbone_shapes("sd99")


def test_random_backbone_from_a_shapes_file(tmp_path):
    """base_model random:FILE builds those shapes with random weights (no directory, no download)."""
    import yaml

    shapes = {
        "unet": dict(
            sample_size=8,
            in_channels=9,
            out_channels=4,
            block_out_channels=[16, 32],
            layers_per_block=1,
            down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"],
            up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
            cross_attention_dim=24,
            attention_head_dim=8,
            norm_num_groups=8,
        ),
        "vae": dict(
            latent_channels=4,
            block_out_channels=[8, 8, 8, 8],
            layers_per_block=1,
            norm_num_groups=4,
            down_block_types=["DownEncoderBlock2D"] * 4,
            up_block_types=["UpDecoderBlock2D"] * 4,
        ),
    }
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(shapes))
    cfg = tiny_config(S, backbone="latent", base_model=f"random:{f}")
    cfg.recomposer.num_heads = 2
    pipe = build_pipeline(cfg)
    pipe.set_progress_bar_config(disable=True)
    assert pipe.unet.config.block_out_channels == (16, 32) and pipe.sample_shape(1) == (1, 4, 8, 8)
    rng = np.random.default_rng(0)
    out = pipe(rng.integers(0, 256, (1, S, S, 3), dtype=np.uint8),
               source_embeddings=rng.standard_normal((1, 128)).astype(np.float32), num_inference_steps=1)
    assert out.images.shape == (1, S, S, 3)
    shapes["unet"]["in_channels"] = 4
    f.write_text(yaml.safe_dump(shapes))
    with pytest.raises(ValueError, match="9 input channels"):
        build_pipeline(cfg)
