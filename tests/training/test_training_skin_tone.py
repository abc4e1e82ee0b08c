"""`python -m id2face.training.skin_tone`: a model's skin-tone read-out from its data, and its gain."""

import json

import cv2
import numpy as np
import pytest

import id2face.training.skin_tone as tool
from id2face.face.skin import CHEEK_VERTICES
from id2face.model.identity_attributes import FILE as ATTRIBUTES_FILE
from id2face.model.identity_attributes import IdentityAttributes
from id2face.model.integrity import verify_checksums
from id2face.model.skin_tone import FILE, load_skin_tone
from id2face.testing.datasets import write_synthetic_dataset


def test_face_lightness_reads_the_cheeks_of_each_aligned_crop():
    crops = np.zeros((2, 64, 64, 3), np.uint8)
    crops[0], crops[1] = (40, 30, 20), (220, 200, 190)
    mesh = np.full((2, 478, 2), 32.0)
    mesh[1, list(CHEEK_VERTICES)] = 500.0  # the second face's cheeks off its crop
    got = tool.face_lightness(crops, mesh)
    want = cv2.cvtColor(np.array([[[40, 30, 20]]], np.float32) / 255, cv2.COLOR_RGB2LAB)[0, 0, 0]
    assert got[0] == pytest.approx(want, abs=0.1) and np.isnan(got[1])


def test_the_command_fits_beside_the_gender_read_out_and_records_the_gain(tmp_path, capsys):
    d = write_synthetic_dataset(tmp_path / "data", identities=12, per_identity=3, val=(11,))
    model = tmp_path / "model"
    model.mkdir()
    (model / "training.json").write_text(json.dumps({"steps": 5}))
    tool.main([str(model), str(d)])
    first = load_skin_tone(model, "dlib_resnet_v1")
    assert first is not None and first.w.shape == (128,) and np.dot(first.w, first.direction) > 0
    assert FILE in (model / "SHA256SUMS").read_text() and verify_checksums(model)
    out = capsys.readouterr().out
    assert "fitted on 33 faces of 11 people" in out and "correlation" in out and "as fitted" in out
    assert "skin_tone" not in json.loads((model / "training.json").read_text())
    gender = np.zeros(128)
    gender[0] = 3.0
    IdentityAttributes(gender, 0.0, np.zeros(128), 40.0, "dlib_resnet_v1").save(model / ATTRIBUTES_FILE)
    tool.main([str(model), str(d), "--gain", "2.5"])
    second = load_skin_tone(model, "dlib_resnet_v1")
    assert abs(second.direction[0]) < 1e-6 and "orthogonal to the gender read-out" in capsys.readouterr().out
    assert json.loads((model / "training.json").read_text()) == {"steps": 5, "skin_tone": 2.5}
    assert verify_checksums(model)
    for bad in (["--gain", "-1"], ["--per-person", "0"]):
        with pytest.raises(SystemExit):
            tool.main([str(model), str(d), *bad])
