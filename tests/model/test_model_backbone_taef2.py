"""The taef2 backbone: a 65 -> 32 channel UNet on the bundled TAEF2, saved and reloaded with it."""

import numpy as np
import pytest
import torch

from id2face.model import ID2FacePipeline, build_pipeline
from id2face.model.taef2 import TAEF2
from id2face.testing.models import tiny_config

S = 64


def _cfg():
    return tiny_config(S, backbone="taef2", prediction_type="v_prediction")


def test_inpainting_channels_and_sample_space(tmp_path):
    torch.manual_seed(0)
    pipe = build_pipeline(_cfg())
    pipe.set_progress_bar_config(disable=True)
    assert isinstance(pipe.vae, TAEF2) and not any(p.requires_grad for p in pipe.vae.parameters())
    assert (pipe.unet.config.in_channels, pipe.unet.config.out_channels) == (65, 32)
    assert pipe.sample_shape(2) == (2, 32, S // 8, S // 8)
    assert (
        pipe.scheduler.config.beta_schedule == "squaredcos_cap_v2" and not pipe.scheduler.config.clip_sample
    )
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:S, 0:S] / S  # smooth images: what an autoencoder of photos reconstructs
    smooth = np.stack([xx, yy, 0.5 + 0.3 * np.sin(6 * xx)], -1) * 255
    faces = np.stack([smooth, smooth[::-1]]).astype(np.uint8)
    image, mask, _ = pipe.to_tensors(faces, None, None)
    with torch.no_grad():
        inpaint = pipe.inpaint_input(image, mask)
        assert inpaint.shape == (2, 33, S // 8, S // 8)
        recon = pipe.decode_space(pipe.encode_space(image))
    assert float((recon - image).abs().mean()) < 0.1  # the first stage is the pretrained TAEF2
    emb = rng.standard_normal((2, 128)).astype(np.float32)
    out = pipe(
        faces, source_embeddings=emb, num_inference_steps=2, generator=torch.Generator().manual_seed(0)
    )
    pipe.save_pretrained(tmp_path / "m")
    back = ID2FacePipeline.from_pretrained(tmp_path / "m")
    back.set_progress_bar_config(disable=True)
    assert isinstance(back.vae, TAEF2)
    again = back(
        faces, source_embeddings=emb, num_inference_steps=2, generator=torch.Generator().manual_seed(0)
    )
    assert np.array_equal(out.images, again.images)


def test_crop_size_must_fit_the_latent_levels():
    cfg = _cfg()
    cfg.crop_size = 40  # 5x5 latent cannot be halved
    with pytest.raises(ValueError, match="multiple of"):
        build_pipeline(cfg)
