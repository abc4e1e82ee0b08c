import numpy as np
import pytest
import torch

from id2face.model import build_pipeline
from id2face.model.build import default_scheduler
from id2face.model.samplers import SAMPLERS, make_sampler, sampler_name
from id2face.testing.models import tiny_config


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_every_sampler_keeps_the_schedule_and_clips_pixel_models(name):
    pixel = default_scheduler(tiny_config()).config
    s = make_sampler(name, pixel)
    assert sampler_name(s) == name
    for key in (
        "num_train_timesteps",
        "beta_schedule",
        "prediction_type",
        "timestep_spacing",
        "steps_offset",
    ):
        assert s.config[key] == pixel[key], key
    clipped = s.config.get("clip_sample", False) or s.config.get("thresholding", False)
    assert clipped and s.config.get("clip_sample_range", s.config.get("sample_max_value")) == 1.0
    s.set_timesteps(8)
    assert len(s.timesteps) == 8 and int(s.timesteps[0]) < pixel["num_train_timesteps"] - 1
    latent = default_scheduler(tiny_config(backbone="latent")).config
    s = make_sampler(name, latent)
    assert not (s.config.get("clip_sample", False) or s.config.get("thresholding", False))


def test_unknown_sampler_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="ddpm, ddim"):
        make_sampler("heun", default_scheduler(tiny_config()).config)


@torch.no_grad()
def test_samplers_give_bounded_images_at_few_steps():
    torch.manual_seed(0)
    pipe = build_pipeline(tiny_config())
    pipe.set_progress_bar_config(disable=True)
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    emb = rng.standard_normal((2, 128)).astype(np.float32)
    outs = {}
    for name in SAMPLERS:
        pipe.scheduler = make_sampler(name, pipe.scheduler.config)
        img = pipe(
            faces, source_embeddings=emb, identity_key="k", num_inference_steps=4, output_type="pt"
        ).images
        assert torch.isfinite(img).all() and img.min() >= 0 and img.max() <= 1
        outs[name] = img
    assert not torch.equal(outs["ddpm"], outs["ddim"])  # the swap really changes the sampler
