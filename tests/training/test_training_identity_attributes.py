"""`python -m id2face.training.identity_attributes`: a model's gender and age read-outs from its data."""

import numpy as np
import pytest

import id2face.training.identity_attributes as tool
from id2face.identity.faceres import find_faceres
from id2face.model.identity_attributes import FILE, load_identity_attributes
from id2face.model.integrity import verify_checksums
from id2face.testing.datasets import write_synthetic_dataset


def test_at_most_n_faces_per_person_and_people_numbered_apart(tmp_path):
    a = write_synthetic_dataset(tmp_path / "a", identities=5, per_identity=4, val=(4,))
    b = write_synthetic_dataset(tmp_path / "b", identities=3, per_identity=3, val=(2,), seed=1)
    faces = tool.training_faces([a, b], per_person=2)
    assert faces["crops"].shape[0] == 2 * 4 + 2 * 2 and faces["recognizer"] == "dlib_resnet_v1"
    assert faces["embeddings"].shape == (12, 128) and faces["landmarks"].shape == (12, 478, 2)
    people, counts = np.unique(faces["person"], return_counts=True)
    assert len(people) == 6 and (counts == 2).all()  # 4 + 2 training people, none shared
    means = tool.person_means(np.arange(4.0), np.array([7, 7, 3, 3]))
    np.testing.assert_allclose(means, [0.5, 0.5, 2.5, 2.5])


def test_the_command_fits_on_the_judged_look_and_rewrites_the_checksums(tmp_path, monkeypatch, capsys):
    d = write_synthetic_dataset(tmp_path / "data", identities=12, per_identity=3, val=(11,))

    def judge(crops, landmarks, faceres_dir=None):
        """Stands in for faceres: people with a red blob are 'male', the green level gives the age."""
        centre = crops[:, crops.shape[1] // 2, crops.shape[2] // 2].astype(float)
        return np.stack([(centre[:, 0] > 200).astype(float), centre[:, 1] / 3], 1)

    monkeypatch.setattr(tool, "judge", judge)
    model = tmp_path / "model"
    model.mkdir()
    tool.main([str(model), str(d), "--per-person", "3", "--age-tolerance", "8"])
    fit = load_identity_attributes(model, "dlib_resnet_v1")
    assert fit is not None and fit.age_tolerance == 8.0 and fit.gender_w.shape == (128,)
    assert FILE in (model / "SHA256SUMS").read_text() and verify_checksums(model)
    out = capsys.readouterr().out
    assert "fitted on 33 faces of 11 people" in out and "gender agreement" in out
    with pytest.raises(SystemExit):
        tool.main([str(model), str(d), "--per-person", "0"])


def test_faceres_judges_the_sample_portrait():
    import skimage.data

    from id2face.identity.faceres import FaceResRecognizer

    if find_faceres() is None:
        pytest.skip("faceres weights absent (run `id2face fetch-faceres` or set ID2FACE_FACERES_DIR)")
    rec = FaceResRecognizer()
    img = skimage.data.astronaut()
    box = np.array([[165, 40, 255, 150]])  # the astronaut's face
    emb, look = rec.describe(img, box)
    np.testing.assert_allclose(emb, rec.embed(img, box), rtol=1e-5, atol=1e-5)
    assert look.shape == (1, 2) and look[0, 0] < 0.5 and 20 <= look[0, 1] <= 60  # a woman in her thirties
    assert np.isnan(rec.describe_crops(rec.crops(img, box), attributes=False)[1]).all()
