"""`python -m id2face.training.face_shape`: a model's face-shape map from its prepared training data."""

import json

import numpy as np
from safetensors.numpy import load_file, save_file

from id2face.model.face_shape import FILE, load_face_shape
from id2face.model.integrity import verify_checksums
from id2face.testing.datasets import write_synthetic_dataset
from id2face.training.face_shape import main
from id2face.training.points_mesh import labelled_training_meshes


def varied_dataset(root, identities=12, per_identity=4):
    """The synthetic dataset with meshes that vary: a 'build' per person, an expression per face."""
    d = write_synthetic_dataset(root, identities=identities, per_identity=per_identity, val=(11,))
    shard = d / "shard-00000.safetensors"
    t = load_file(str(shard))
    rng = np.random.default_rng(0)
    build, smile = rng.normal(0, 0.5, (478, 2)), rng.normal(0, 0.5, (478, 2))
    who = t["identity"]
    lm = (t["landmarks"].astype(np.float64) + rng.normal(0, 1, identities)[who, None, None] * build
          + rng.normal(0, 1, len(who))[:, None, None] * smile + rng.normal(0, 0.01, t["landmarks"].shape))
    t["landmarks"] = lm.astype(np.float16)
    save_file(t, str(shard), metadata={"photos": str(len(who)), "count": str(len(who)), "dropped": "{}"})
    return d


def test_labelled_meshes_number_people_apart_across_datasets(tmp_path):
    a = varied_dataset(tmp_path / "a")
    b = varied_dataset(tmp_path / "b")
    meshes, people, size, template = labelled_training_meshes([a, b])
    assert meshes.shape == (88, 478, 2) and size == 32 and template == "ffhq"
    assert len(np.unique(people)) == 22  # 11 training people in each, none shared


def test_the_command_adds_a_map_records_the_share_and_rewrites_the_checksums(tmp_path, capsys):
    d = varied_dataset(tmp_path / "data")
    model = tmp_path / "model"
    model.mkdir()
    (model / "training.json").write_text(json.dumps({"steps": 3}))
    main([str(model), str(d), "--amount", "0.5", "--spread", "1.25"])
    fs = load_face_shape(model)
    assert fs is not None and fs.template == "ffhq" and len(fs.ratios) >= 1
    assert json.loads((model / "training.json").read_text()) == {"steps": 3, "face_shape": 0.5,
                                                                 "face_shape_spread": 1.25}
    assert FILE in (model / "SHA256SUMS").read_text() and verify_checksums(model)
    assert "directions of face shape" in capsys.readouterr().out
