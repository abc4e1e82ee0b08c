import numpy as np
import pytest
import torch
from diffusers import UNet2DConditionModel

from id2face.model import ID2FacePipeline, build_pipeline
from id2face.model.testing import tiny_config, write_tiny_sd

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
    out = pipe(faces, source_embeddings=emb, num_inference_steps=2, generator=torch.Generator().manual_seed(0))
    assert out.images.shape == (2, S, S, 3) and out.images.dtype == np.uint8
    pipe.save_pretrained(tmp_path / "m")
    back = ID2FacePipeline.from_pretrained(tmp_path / "m")
    back.set_progress_bar_config(disable=True)
    again = back(faces, source_embeddings=emb, num_inference_steps=2, generator=torch.Generator().manual_seed(0))
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
