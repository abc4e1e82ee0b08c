"""The identity directions of face shape (model/face_shape.py): fit, redraw, save and load."""

import numpy as np
import pytest

from id2face.model.face_shape import FaceShape, fit_face_shape, key_rng, load_face_shape, pose_patterns

SIZE = 64


def people_meshes(people=40, per_person=5, seed=0):
    """Synthetic meshes: a 'build' mode differs between people only, a 'smile' mode within a person only."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(8, 56, (478, 2))
    build = rng.normal(0, 1, (478, 2))
    smile = rng.normal(0, 1, (478, 2))
    pose = pose_patterns(base)  # neither mode is a shift, scale or roll of the head (redraw keeps those)
    free = lambda m: m.reshape(-1) - pose @ np.linalg.lstsq(pose, m.reshape(-1), rcond=None)[0]  # noqa: E731
    build, smile = free(build).reshape(478, 2), free(smile).reshape(478, 2)
    smile -= (smile * build).sum() / (build * build).sum() * build  # the two modes at right angles
    who = np.repeat(np.arange(people), per_person)
    person_build = rng.normal(0, 0.3, people)[who]  # small beside the face, as real builds are (~1 px)
    face_smile = rng.normal(0, 0.3, len(who))
    noise = rng.normal(0, 0.004, (len(who), 478, 2))
    meshes = base + person_build[:, None, None] * build + face_smile[:, None, None] * smile + noise
    return meshes, who, build, smile


def test_the_fit_finds_the_mode_people_differ_by_not_the_one_each_face_changes():
    meshes, who, build, smile = people_meshes()
    fs = fit_face_shape(meshes, who, SIZE, "ffhq", components=8, min_ratio=2.0)
    assert fs.template == "ffhq" and len(fs.ratios) >= 1 and fs.ratios[0] > 50
    d = fs.directions[0]
    cos = lambda a, b: abs(a @ b.ravel()) / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cos(fs.lift[0], build) > 0.99  # the change it makes is the build mode
    assert cos(fs.lift[0], smile) < 0.05
    # moving a face along its smile does not move its coordinate; moving its build does
    face = meshes[0]
    step = abs(d @ build.ravel())
    assert abs(fs.coords(face + 3 * smile, SIZE)[0] - fs.coords(face, SIZE)[0]) < 0.05 * step
    assert abs(fs.coords(face + 3 * build, SIZE)[0] - fs.coords(face, SIZE)[0]) > 10


def test_redraw_replaces_the_build_and_keeps_the_smile():
    meshes, who, build, smile = people_meshes(people=300)
    fs = fit_face_shape(meshes, who, SIZE, "ffhq", components=8, min_ratio=2.0)
    a, b = meshes[0], meshes[who == 7][0]  # two people
    target = fs.coords(b, SIZE) * fs.ratios / (fs.ratios + 1)
    new = fs.redraw(a, SIZE, target)
    coef = lambda m, mode: ((m - meshes.mean(0)) * mode).sum() / (mode * mode).sum()  # noqa: E731
    moved = abs(coef(a, build) - coef(b, build))
    assert moved > 0.2 and abs(coef(new, build) - coef(b, build)) < 0.05 * moved
    # the expression stays (up to the chance correlation of build and smile among the sample's people)
    assert abs(coef(new, smile) - coef(a, smile)) < 0.05 * moved
    assert np.allclose(fs.redraw(a, SIZE, target, amount=0.0), a)
    half = fs.redraw(a, SIZE, target, amount=0.5)
    assert np.allclose(half, (a + new) / 2, atol=1e-6)
    assert np.allclose(fs.redraw(a * 2, 2 * SIZE, target), new * 2, atol=1e-6)  # one map for every crop size


def test_draws_follow_the_people_spread_and_are_fixed_by_the_key():
    meshes, who, *_ = people_meshes()
    fs = fit_face_shape(meshes, who, SIZE, "ffhq", components=8, min_ratio=2.0)
    draws = np.array([fs.draw(key_rng(f"0:photo:face{i}")) for i in range(400)])
    assert np.allclose(draws.std(0), np.sqrt(fs.ratios), rtol=0.15)
    assert np.allclose(fs.draw(key_rng("3:a"), spread=1.5), 1.5 * fs.draw(key_rng("3:a")))
    assert np.allclose(fs.draw(key_rng("3:a")), fs.draw(key_rng("3:a")))
    assert not np.allclose(fs.draw(key_rng("3:a")), fs.draw(key_rng("4:a")))


def test_save_load_round_trip_and_bad_files(tmp_path):
    meshes, who, *_ = people_meshes()
    fs = fit_face_shape(meshes, who, SIZE, "ffhq", components=8, min_ratio=2.0)
    path = fs.save(tmp_path / "face_shape.safetensors")
    back = FaceShape.load(path)
    assert back.template == "ffhq"
    assert np.allclose(back.redraw(meshes[1], SIZE, back.draw(key_rng("k"))),
                       fs.redraw(meshes[1], SIZE, fs.draw(key_rng("k"))), atol=1e-3)
    assert load_face_shape(tmp_path).template == "ffhq" and load_face_shape(tmp_path / "none") is None
    from safetensors.numpy import save_file

    save_file({"mean": np.zeros(956, np.float32)}, str(tmp_path / "other.safetensors"),
              metadata={"format": "x"})
    with pytest.raises(ValueError, match="not an id2face face-shape map"):
        FaceShape.load(tmp_path / "other.safetensors")


def test_the_fit_refuses_what_it_cannot_learn_from():
    meshes, who, *_ = people_meshes(people=40, per_person=1)
    with pytest.raises(ValueError, match="two or more faces"):
        fit_face_shape(meshes, who, SIZE, "ffhq", components=8)
    meshes, who, *_ = people_meshes()
    with pytest.raises(ValueError, match="meshes and N identities"):
        fit_face_shape(meshes, who[:-1], SIZE, "ffhq")
    with pytest.raises(ValueError, match="finite"):
        fit_face_shape(meshes, who, SIZE, "ffhq", components=8, min_ratio=2.0).redraw(
            np.full((478, 2), np.nan), SIZE, np.zeros(1))
