"""The id2face method redraws each face's own shape in the geometry it gives the model (model/face_shape)."""

import shutil

import numpy as np
import pytest

from id2face.face.types import Face
from id2face.methods.diffusion import ID2FaceMethod, crop_depth
from id2face.methods.registry import default_model_dir
from id2face.model.face_shape import FILE, fit_face_shape, pose_patterns
from id2face.training.face_shape import add_to_model

SIZE = 128


def synthetic_map():
    rng = np.random.default_rng(0)
    base = rng.uniform(20, 108, (478, 2))
    build, smile = rng.normal(0, 1, (478, 2)), rng.normal(0, 1, (478, 2))
    who = np.repeat(np.arange(60), 4)
    meshes = (base + rng.normal(0, 1.5, 60)[who, None, None] * build
              + rng.normal(0, 1.5, len(who))[:, None, None] * smile + rng.normal(0, 0.05, (len(who), 478, 2)))
    return fit_face_shape(meshes, who, SIZE, "ffhq", components=8, min_ratio=2.0), meshes


@pytest.fixture(scope="module")
def model_with_map(tmp_path_factory):
    d = tmp_path_factory.mktemp("model") / "m"
    shutil.copytree(default_model_dir(), d)
    (d / FILE).unlink(missing_ok=True)
    fs, meshes = synthetic_map()
    add_to_model(d, fs, amount=1.0, spread=1.5)
    return d, meshes


def faces_for(meshes):
    out = []
    for i, m in enumerate(meshes):
        f = Face(box=np.array([0, 0, SIZE, SIZE], float), score=1.0, keypoints5=np.zeros((5, 2)),
                 face_index=i)
        f.crop_landmarks = m
        out.append(f)
    return out


def test_shapes_are_redrawn_per_identity_key_and_only_where_asked(model_with_map):
    d, meshes = model_with_map
    m = ID2FaceMethod.from_pretrained(d, steps=1)
    assert m.face_shape is not None and m.shape_amount == 1.0  # what the model's training.json records
    assert m.shape_spread == 1.5
    assert ID2FaceMethod.from_pretrained(d, steps=1, face_shape_spread=0.5).shape_spread == 0.5
    faces = faces_for(meshes[:3])
    lms = ID2FaceMethod._landmarks(faces)
    lms[2] = np.nan  # a face without a mesh row is left alone
    keys = m.identity_keys(faces, seed=0)
    new = m.redrawn_shapes(lms, faces, keys)
    assert np.isnan(new[2]).all()
    moved = np.linalg.norm(new[:2] - lms[:2], axis=-1).mean(-1)
    assert (moved > 0.05).all() and (moved < 10).all()
    assert np.array_equal(new, m.redrawn_shapes(lms, faces, keys), equal_nan=True)  # one key, one shape
    other = m.redrawn_shapes(lms, faces, m.identity_keys(faces, seed=1))
    assert not np.allclose(other[:2], new[:2])
    off = ID2FaceMethod.from_pretrained(d, steps=1, face_shape=0.0)
    assert off.redrawn_shapes(lms, faces, keys) is lms
    with pytest.raises(ValueError, match="face_shape must be from 0 to 1"):
        ID2FaceMethod.from_pretrained(d, steps=1, face_shape=1.5)
    with pytest.raises(ValueError, match="face_shape_spread must be from 0 to 3"):
        ID2FaceMethod.from_pretrained(d, steps=1, face_shape_spread=-1)


def test_a_model_without_the_map_or_a_recorded_share_keeps_every_face_shape(model_with_map):
    d, meshes = model_with_map
    faces = faces_for(meshes[:2])
    lms = ID2FaceMethod._landmarks(faces)
    unrecorded = d.parent / "unrecorded"
    shutil.copytree(d, unrecorded)
    card = (unrecorded / "training.json").read_text().replace('"face_shape', '"unused')
    (unrecorded / "training.json").write_text(card)
    plain = ID2FaceMethod.from_pretrained(unrecorded, steps=1)
    assert plain.shape_amount == 0.0 and plain.shape_spread == 1.0  # none recorded: off, the people's spread
    no_map = d.parent / "no_map"
    shutil.copytree(d, no_map)
    (no_map / FILE).unlink()
    sums = (no_map / "SHA256SUMS").read_text().splitlines(True)
    (no_map / "SHA256SUMS").write_text("".join(line for line in sums if FILE not in line))
    m = ID2FaceMethod.from_pretrained(no_map, steps=1, face_shape=1.0)
    assert m.face_shape is None and m.redrawn_shapes(lms, faces, m.identity_keys(faces, 0)) is lms


def test_crop_depth_scales_the_mesh_depth_as_the_crop_does():
    f = Face(box=np.zeros(4), score=1.0, keypoints5=np.zeros((5, 2)))
    assert crop_depth(f) is None
    f.mesh = np.zeros((478, 3))
    f.mesh[:, 2] = np.arange(478)
    f.matrix = np.array([[2.0, 0, 5], [0, 2.0, 1]])
    assert np.allclose(crop_depth(f), 2 * np.arange(478))
    f.mesh = np.zeros((478, 2))
    assert crop_depth(f) is None


def test_the_change_leaves_the_head_pose_patterns_alone():
    fs, meshes = synthetic_map()
    depth = np.random.default_rng(1).normal(0, 10, 478)
    new = fs.redraw(meshes[0], SIZE, fs.draw(np.random.default_rng(2)), depth=depth)
    change = (new - meshes[0]).reshape(-1)
    pats = pose_patterns(meshes[0], depth)
    assert pats.shape == (956, 6) and np.linalg.norm(change) > 1
    assert np.abs(pats.T @ change).max() < 1e-6 * np.linalg.norm(pats, axis=0).max() * np.linalg.norm(change)
    assert pose_patterns(meshes[0]).shape == (956, 4)  # without depth: shift, scale and roll only


def test_the_bundled_map_tells_people_apart_and_keeps_their_pose_on_real_photos(shared_data, detector):
    """On real photos of 8 people (5 each; the map may have been fitted on some of them): along the map's
    strongest direction, one person's faces sit closer together than different people's do, and a redrawn
    shape, mapped back into the photo, leaves the head pose that `id2face eval` reads within a degree."""
    import csv

    from id2face.evaluation.metrics.geometry import pose_error_deg
    from id2face.face.align import align_face
    from id2face.geometry import FFHQ, apply_affine, invert_affine
    from id2face.io.images import load_image
    from id2face.model.face_shape import key_rng, load_face_shape

    fs = load_face_shape(default_model_dir())
    assert fs is not None, "the bundled model ships its face-shape map"
    with open(shared_data / "celeba-wild" / "identities.csv") as table:
        rows = list(csv.DictReader(table))
    by_person: dict[str, list[str]] = {}
    for r in rows:
        by_person.setdefault(r["identity"], []).append(r["file"])
    people = [p for p in sorted(by_person) if len(by_person[p]) >= 5][:8]
    coords, who, pose = [], [], []
    for n, person in enumerate(people):
        for file in by_person[person][:5]:
            image = load_image(shared_data / "celeba-wild" / file)
            faces = [f for f in detector.detect(image) if f.mesh is not None]
            if not faces:
                continue
            f = max(faces, key=lambda f: f.box[2] - f.box[0])
            align_face(image, f, SIZE, FFHQ)
            coords.append(fs.coords(f.crop_landmarks, SIZE))
            who.append(n)
            new = fs.redraw(f.crop_landmarks, SIZE, fs.draw(key_rng(file)), depth=crop_depth(f))
            back = apply_affine(invert_affine(f.matrix), new)
            pose.append(pose_error_deg(f.mesh, np.column_stack([back, f.mesh[:, 2]]), image.shape))
    c, who = np.array(coords)[:, 0], np.array(who)
    assert len(c) >= 30
    means = np.array([c[who == k].mean() for k in np.unique(who)])
    within = np.mean([c[who == k].var() for k in np.unique(who)])
    assert means.var() > within  # the first direction is about who it is
    assert np.median(pose) < 1.0
