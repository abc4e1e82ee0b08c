"""The id2face method keeps the judged gender and age of each face by default (model/identity_attributes)."""

import json

import numpy as np
import pytest
import torch

from id2face.face.align import align_face
from id2face.identity import DlibRecognizer
from id2face.identity.faces import embed_faces
from id2face.methods.diffusion import ID2FaceMethod
from id2face.methods.registry import default_model_dir
from id2face.model.identity_attributes import load_identity_attributes
from id2face.model.pipeline import ID2FacePipeline


def test_the_bundled_read_outs_judge_the_sample_portrait_a_woman_of_her_age(detector, astronaut):
    attributes = load_identity_attributes(default_model_dir(), "dlib_resnet_v1")
    assert attributes is not None, "the bundled model ships its identity-attributes map"
    (face,) = detector.detect(astronaut)
    e = torch.from_numpy(embed_faces(DlibRecognizer(), astronaut, [face]))
    gender, age = attributes.read(e)
    assert gender.item() < -1.0  # clearly a woman
    assert 25 <= age.item() <= 55  # Eileen Collins was in her forties


def test_the_method_takes_the_model_choice_unless_told_and_passes_it_on(monkeypatch, detector, astronaut):
    m = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1)
    # the bundled model records "free": keeping the look cost privacy on the tuning photos (model card)
    assert m.attributes == "free" and m.pipe.identity_attributes is not None
    m = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes="keep")
    assert m.attributes == "keep"
    with pytest.raises(ValueError, match="attributes must be one of keep, gender, free"):
        ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes="same")
    seen = []
    call = ID2FacePipeline.__call__

    def spy(self, *args, **kwargs):
        seen.append(kwargs["attributes"])
        return call(self, *args, **kwargs)

    monkeypatch.setattr(ID2FacePipeline, "__call__", spy)
    (face,) = detector.detect(astronaut)
    align_face(astronaut, face, m.crop_size, m.template)
    crops = face.crop[None]
    masks = np.ones((1, m.crop_size, m.crop_size), np.float32)
    m(crops, masks, [face], seed=0)
    m.attributes = "free"
    m(crops, masks, [face], seed=0)
    assert seen == ["keep", "free"]
    assert json.loads((default_model_dir() / "training.json").read_text())["attributes"] == "free"
