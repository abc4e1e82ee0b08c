"""Sampler choice: the names the CLI offers without diffusers, and the one check of a model's own list."""

import pytest

from id2face.methods.registry import default_model_dir
from id2face.methods.sampler_choice import SAMPLER_NAMES, model_samplers
from id2face.model.samplers import SAMPLERS


def test_sampler_names_match_the_samplers():
    assert list(SAMPLER_NAMES) == list(SAMPLERS)


def test_the_bundled_model_records_ddpm_only():
    assert model_samplers(default_model_dir()) == ("ddpm",)


@pytest.mark.parametrize("sampler", ["ddim", "unipc"])
def test_the_library_refuses_a_sampler_the_bundled_model_does_not_list(sampler):
    """Before (issue 14): only the CLI refused; Anonymizer(sampler=...) gave speckle for every face."""
    from id2face import Anonymizer

    refused = rf"sampler '{sampler}' does not suit this model.*works with ddpm only"
    with pytest.raises(ValueError, match=refused):
        Anonymizer(sampler=sampler)


def test_set_sampler_checks_a_loaded_pipeline_and_takes_what_it_lists():
    from id2face import ID2FacePipeline
    from id2face.methods.runtime import set_sampler
    from id2face.model.samplers import sampler_name

    pipe = ID2FacePipeline.from_pretrained(default_model_dir())
    with pytest.raises(ValueError, match="ddpm only"):
        set_sampler(pipe, "dpmsolver")
    assert sampler_name(pipe.scheduler) == "ddpm"  # left as it was
    set_sampler(pipe, "ddpm")
    # pixel models clip their x0 estimate, latent ones (the bundled model since v0.2) do not
    assert sampler_name(pipe.scheduler) == "ddpm"
    assert pipe.scheduler.config.clip_sample == (pipe.config.backbone == "pixel")


def test_a_model_that_records_no_samplers_takes_any():
    from id2face.methods.runtime import set_sampler
    from id2face.model import build_pipeline
    from id2face.model.samplers import sampler_name
    from id2face.testing.models import tiny_config

    pipe = build_pipeline(tiny_config())  # built in memory: no model card
    set_sampler(pipe, "unipc")
    assert sampler_name(pipe.scheduler) == "unipc"
