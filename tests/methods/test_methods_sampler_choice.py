"""The sampler names the CLI offers without diffusers are exactly the ones model.samplers builds."""

from id2face.methods.registry import default_model_dir
from id2face.methods.sampler_choice import SAMPLER_NAMES, model_samplers
from id2face.model.samplers import SAMPLERS


def test_sampler_names_match_the_samplers():
    assert list(SAMPLER_NAMES) == list(SAMPLERS)


def test_the_bundled_model_records_ddpm_only():
    assert model_samplers(default_model_dir()) == ("ddpm",)
