"""The id2face method chooses each new person's look as the model records (model/identity_attributes)."""

import json

import numpy as np
import pytest
import torch

from id2face.face.align import align_face
from id2face.face.types import Face
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


def test_the_bundled_skin_tone_map_reads_the_portrait_and_is_off_by_default(detector, astronaut):
    from id2face.face.skin import cheek_lightness
    from id2face.model.skin_tone import load_skin_tone

    tone = load_skin_tone(default_model_dir(), "dlib_resnet_v1")
    assert tone is not None, "the bundled model ships its skin-tone map"
    attributes = load_identity_attributes(default_model_dir(), "dlib_resnet_v1")
    gender = attributes.gender_w / np.linalg.norm(attributes.gender_w)
    assert abs(tone.direction @ gender) < 1e-6 and tone.w @ tone.direction > 0
    (face,) = detector.detect(astronaut)
    e = torch.from_numpy(embed_faces(DlibRecognizer(), astronaut, [face]))
    read = tone.read(e).item()
    x0, y0 = (int(v) for v in face.box[:2])
    crop = astronaut[y0:int(face.box[3]), x0:int(face.box[2])]
    own = cheek_lightness(crop, face.mesh[:, :2] - [x0, y0])
    assert 70 <= own <= 85 and 62 < read < own  # a light face (training median 63), read lighter than most
    m = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1)
    assert m.pipe.skin_tone is not None and m.pipe.default_skin_tone == 0.0 and m.skin_tone is None


def _faces(*widths):
    return [Face(box=np.array([0, 0, w, w], float), score=1.0, keypoints5=np.zeros((5, 2))) for w in widths]


def test_faces_get_the_model_choice_from_its_width_on_unless_told():
    card = json.loads((default_model_dir() / "training.json").read_text())
    m = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1)
    assert m.pipe.identity_attributes is not None and m.attributes is None
    look, wide = card["attributes"], card["attributes_min_px"]
    assert m.attributes_rule == (look, wide) and look in ("keep", "gender") and wide > 0
    assert m.attribute_choices(_faces(wide - 1, wide, 3 * wide)) == ["free", look, look]
    keep = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes="keep")
    assert keep.attribute_choices(_faces(10, 500)) == ["keep", "keep"]  # asked for: every face
    gated = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes="keep",
                                          attributes_min_px=50)
    assert gated.attribute_choices(_faces(10, 500)) == ["free", "keep"]
    with pytest.raises(ValueError, match="attributes must be one of keep, gender, free"):
        ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes="same")
    with pytest.raises(ValueError, match="attributes_min_px must be >= 0"):
        ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes_min_px=-1)


def test_the_method_passes_each_face_choice_to_the_pipeline(monkeypatch, detector, astronaut):
    m = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1)
    seen = []
    call = ID2FacePipeline.__call__

    def spy(self, *args, **kwargs):
        seen.append(kwargs["attributes"])
        return call(self, *args, **kwargs)

    monkeypatch.setattr(ID2FacePipeline, "__call__", spy)
    (face,) = detector.detect(astronaut)
    align_face(astronaut, face, m.crop_size, m.template)
    crops, masks = face.crop[None], np.ones((1, m.crop_size, m.crop_size), np.float32)
    m(crops, masks, [face], seed=0)
    m.attributes = "gender"
    m(crops, masks, [face], seed=0)
    look, wide = m.pipe.default_attributes, m.pipe.default_attributes_min_px
    by_width = "free" if face.box[2] - face.box[0] < wide else look
    assert seen == [[by_width], ["gender"]]


def test_a_track_or_a_consistent_person_keeps_the_choice_of_its_first_face():
    m = ID2FaceMethod.from_pretrained(default_model_dir(), steps=1, attributes="gender",
                                      attributes_min_px=150)
    small, large = _faces(100, 200)
    small.track_id = large.track_id = 7  # one person walking towards the camera
    assert m.attribute_choices([small]) == ["free"] and m.attribute_choices([large]) == ["free"]
    m.new_sequence()  # a new video: its track 7 is someone else
    assert m.attribute_choices([large]) == ["gender"]
    a, b = _faces(200, 100)
    assert m.attribute_choices([a, b], persons=[3, 3]) == ["gender", "gender"]  # --consistent: one person
    m.new_sequence()
    assert m.attribute_choices(_faces(100), persons=[3]) == ["gender"]  # persons span the whole run
    assert m.attribute_choices(_faces(100, 200)) == ["free", "gender"]  # neither: each face by its width
