import numpy as np
from helpers_training import tiny_config, write_synthetic_dataset

from id2face.face.landmarks import MESH_KEYPOINTS5
from id2face.face.points_mesh import FILE, load_points_mesh
from id2face.model.integrity import verify_checksums
from id2face.training.points_mesh import fit_for_model, main, training_meshes, with_mirrors


def test_training_meshes_reads_the_training_split_only(tmp_path):
    d = write_synthetic_dataset(tmp_path / "data", identities=8, per_identity=3, val=(6, 7))
    meshes, size, template = training_meshes([d])
    assert meshes.shape == (18, 478, 2) and template == "ffhq"
    assert training_meshes([d], split="val")[0].shape == (6, 478, 2)


def test_mirrors_swap_the_two_sides():
    size = 64
    rng = np.random.default_rng(0)
    half = rng.uniform(4, 30, (239, 2))
    base = np.concatenate([half, np.column_stack([size - half[:, 0], half[:, 1]])])  # point i + 239 mirrors i
    left, right = base.copy(), base.copy()
    left[:239, 0] -= 2  # the image's left side pushed out
    right[239:, 0] += 2  # the right side pushed out: the left one's mirror image
    both = with_mirrors(np.stack([left, right]), size)
    assert both.shape == (4, 478, 2)
    assert np.allclose(both[2], right) and np.allclose(both[3], left)


def test_the_command_adds_a_map_to_a_model_and_its_checksums(tmp_path):
    d = write_synthetic_dataset(tmp_path / "data", identities=8, per_identity=3, val=(7,))
    model = tmp_path / "model"
    model.mkdir()
    main([str(model), str(d)])
    pm = load_points_mesh(model)
    assert pm is not None and pm.template == "ffhq"
    assert FILE in (model / "SHA256SUMS").read_text() and verify_checksums(model)
    meshes, size, _ = training_meshes([d])
    # every synthetic face has the same mesh: the map gives it back from its points
    assert np.allclose(pm.predict(meshes[0, list(MESH_KEYPOINTS5)], size), meshes[0], atol=1e-3)
    assert fit_for_model(meshes, size, "ffhq").template == "ffhq"


def test_a_trained_model_is_exported_with_its_map(tmp_path):
    from id2face.training.trainer import train

    data = write_synthetic_dataset(tmp_path / "ds", identities=8, per_identity=3, val=(7,))
    train(tiny_config(data, tmp_path / "run", max_steps=1), progress=False)
    final = next(p.parent for p in (tmp_path / "run").rglob("model_index.json"))
    assert load_points_mesh(final) is not None and verify_checksums(final)


def test_a_map_fitted_on_detector_points_learns_their_offset_from_the_mesh():
    from id2face.face.points_mesh import fit_points_mesh

    rng = np.random.default_rng(0)
    base = rng.uniform(20, 108, (478, 2))
    mode = rng.normal(0, 3, (478, 2))
    factor = rng.normal(0, 1, 60)
    meshes = base + factor[:, None, None] * mode
    offset = np.array([[2.0, 1.0], [-2.0, 1.0], [0.0, -3.0], [4.0, 0.0], [-4.0, 0.0]])  # a detector's habit
    points = meshes[:, list(MESH_KEYPOINTS5)] + offset
    pm = fit_points_mesh(meshes, 128, "ffhq", ridge=1e-6, points=points)
    assert np.allclose(pm.predict(points[5], 128), meshes[5], atol=1e-3)
    own = fit_points_mesh(meshes, 128, "ffhq", ridge=1e-6)  # fitted on the mesh's own points instead
    assert np.abs(own.predict(points[5], 128) - meshes[5]).mean() > 0.3  # misreads the offset as shape


def test_detector_pairs_align_the_crop_on_the_detectors_points(tmp_path, astronaut):
    from id2face.geometry import FFHQ
    from id2face.io.images import save_image
    from id2face.training.points_mesh import detector_pairs

    save_image(astronaut, tmp_path / "a.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a photo")
    points, meshes = detector_pairs([tmp_path / "a.png", tmp_path / "broken.jpg"], 128, "ffhq")
    assert points.shape == (1, 5, 2) and meshes.shape == (1, 478, 2)
    assert np.abs(points[0] - FFHQ.pixels(128)).max() < 8  # aligned on them: near the template's places
    both = fit_for_model(np.repeat(meshes, 12, 0), 128, "ffhq", np.repeat(points, 12, 0))
    assert np.abs(both.predict(points[0], 128) - meshes[0]).mean() < 1.0
