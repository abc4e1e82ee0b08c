import numpy as np

from id2face.geometry import (
    ARCFACE,
    FFHQ,
    apply_affine,
    compose_affine,
    invert_affine,
    template_to_template,
    umeyama_similarity,
)


def test_umeyama_recovers_a_known_similarity():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (5, 2))
    ang, s, t = 0.4, 1.7, np.array([12.0, -3.0])
    rot = s * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    dst = src @ rot.T + t
    m = umeyama_similarity(src, dst)
    np.testing.assert_allclose(m[:, :2], rot, atol=1e-9)
    np.testing.assert_allclose(m[:, 2], t, atol=1e-9)


def test_inverse_and_composition_are_exact():
    m = np.array([[1.3, -0.2, 5.0], [0.2, 1.3, -7.0]])
    pts = np.array([[0.0, 0.0], [10.0, 3.0], [-4.0, 8.0]])
    np.testing.assert_allclose(apply_affine(invert_affine(m), apply_affine(m, pts)), pts, atol=1e-9)
    np.testing.assert_allclose(compose_affine(invert_affine(m), m), [[1, 0, 0], [0, 1, 0]], atol=1e-12)


def test_template_to_template_maps_landmarks():
    m = template_to_template(FFHQ, 128, ARCFACE, 112)
    np.testing.assert_allclose(apply_affine(m, FFHQ.pixels(128)), ARCFACE.pixels(112), atol=1e-6)


def test_ffhq_template_is_looser_than_arcface():
    eye_dist = lambda t: np.linalg.norm(np.subtract(t.points[1], t.points[0]))  # noqa: E731
    assert eye_dist(FFHQ) < 0.8 * eye_dist(ARCFACE)
    assert 0.35 < FFHQ.points[0][1] < 0.45  # eyes a little above the middle
