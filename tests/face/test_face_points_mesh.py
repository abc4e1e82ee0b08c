import numpy as np
import pytest

from id2face.face.landmarks import FACE_OVAL, MESH_KEYPOINTS5
from id2face.face.mask import hard_mask
from id2face.face.points_mesh import FILE, PointsMesh, fit_points_mesh, load_points_mesh
from id2face.face.types import Face
from id2face.geometry import FFHQ

SIZE = 128


def synthetic_meshes(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Meshes that are a fixed face bent by two hidden 'pose' factors the five points reveal."""
    face = np.random.default_rng(0)
    base = face.uniform(20, 108, (478, 2))
    modes = face.normal(0, 3, (2, 478, 2))
    factors = np.random.default_rng(100 + seed).normal(0, 1, (n, 2))
    return base + np.einsum("nk,kpd->npd", factors, modes), base


def test_the_map_recovers_meshes_its_five_points_determine():
    train, _ = synthetic_meshes(400)
    test, base = synthetic_meshes(50, seed=1)
    pm = fit_points_mesh(train, SIZE, "ffhq", ridge=1e-6)
    pred = np.stack([pm.predict(m[list(MESH_KEYPOINTS5)], SIZE) for m in test])
    err = np.linalg.norm(pred - test, axis=-1).mean()
    mean_shape_err = np.linalg.norm(pm.mesh_mean.reshape(478, 2) * SIZE - test, axis=-1).mean()
    assert err < 0.05 and mean_shape_err > 1.0


def test_one_map_serves_every_crop_size():
    train, _ = synthetic_meshes(100)
    pm = fit_points_mesh(train, SIZE, "ffhq")
    p5 = train[0, list(MESH_KEYPOINTS5)]
    assert np.allclose(pm.predict(p5 * 2, 2 * SIZE), 2 * pm.predict(p5, SIZE))


def test_bad_input_is_refused():
    train, _ = synthetic_meshes(100)
    pm = fit_points_mesh(train, SIZE, "ffhq")
    with pytest.raises(ValueError, match="five finite"):
        pm.predict(np.full((5, 2), np.nan), SIZE)
    with pytest.raises(ValueError, match="at least 20"):
        fit_points_mesh(train[:5], SIZE, "ffhq")


def test_save_and_load_round_trip(tmp_path):
    train, _ = synthetic_meshes(100)
    pm = fit_points_mesh(train, SIZE, "ffhq")
    assert load_points_mesh(tmp_path) is None  # a model folder without one
    pm.save(tmp_path / FILE)
    back = load_points_mesh(tmp_path)
    assert back.template == "ffhq"
    p5 = train[3, list(MESH_KEYPOINTS5)]
    assert np.allclose(back.predict(p5, SIZE), pm.predict(p5, SIZE), atol=1e-3)
    from safetensors.numpy import save_file

    save_file({"weights": np.zeros((10, 956), np.float32)}, str(tmp_path / FILE))
    with pytest.raises(ValueError, match="not an id2face points-to-mesh map"):
        PointsMesh.load(tmp_path / FILE)


def test_an_estimated_mesh_gives_the_mesh_shaped_region_not_the_ellipse():
    train, _ = synthetic_meshes(100)
    f = Face(box=np.array([0.0, 0, 10, 10]), score=1.0, keypoints5=np.zeros((5, 2)))
    f.crop_landmarks = FFHQ.pixels(SIZE)  # five points: the template's ellipse
    ellipse = hard_mask(f, SIZE, FFHQ)
    square = np.array([[30, 30], [98, 30], [98, 98], [30, 98]], np.float64)  # an oval that is a square
    mesh = np.full((478, 2), 64.0)
    mesh[list(FACE_OVAL)] = square[np.arange(len(FACE_OVAL)) * 4 // len(FACE_OVAL)]
    f.crop_landmarks = mesh  # f.mesh stays None: an estimate
    region = hard_mask(f, SIZE, FFHQ)
    assert not np.array_equal(region, ellipse)
    assert region[35:93, 35:93].all() and region[64, 64] == 1
