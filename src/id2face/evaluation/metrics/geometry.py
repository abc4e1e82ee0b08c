"""Utility kept by anonymization: head pose, expression (landmarks) and gaze, from face meshes.

All functions take MediaPipe meshes (478 points with irises, or 468) in photo pixels: (N, 3) with
relative depth z, or (N, 2). Comparisons are original vs anonymized of the same face.
"""

from __future__ import annotations

import cv2
import numpy as np

# MediaPipe mesh indices: eye corners (outer, inner), lids (upper, lower), iris centres.
RIGHT_EYE = (33, 133, 159, 145, 468)  # the subject's right eye (image left in a frontal photo)
LEFT_EYE = (263, 362, 386, 374, 473)
N_FACE_POINTS = 468


def camera_matrix(image_shape: tuple[int, ...]) -> np.ndarray:
    """A pinhole camera with focal length = the longer image side, centred principal point."""
    h, w = image_shape[:2]
    f = float(max(h, w))
    return np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]], dtype=np.float64)


def solve_pose(model3d: np.ndarray, points2d: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """Rotation (3x3) of `model3d` that best projects to `points2d` (cv2.solvePnP, iterative)."""
    obj = np.ascontiguousarray(model3d, dtype=np.float64)
    img = np.ascontiguousarray(points2d[:, :2], dtype=np.float64)
    cam = camera_matrix(image_shape)
    # Start from the frontal pose at the distance where the model's size matches the image points.
    scale = np.linalg.norm(img - img.mean(0), axis=1).mean() / max(
        np.linalg.norm(obj[:, :2], axis=1).mean(), 1e-9
    )
    tz = cam[0, 0] / max(scale, 1e-9)
    c = img.mean(0)
    tvec = np.array([(c[0] - cam[0, 2]) * tz / cam[0, 0], (c[1] - cam[1, 2]) * tz / cam[1, 1], tz])
    rvec = np.zeros(3)
    ok, rvec, tvec = cv2.solvePnP(obj, img, cam, None, rvec.reshape(3, 1), tvec.reshape(3, 1),
                                  useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        raise RuntimeError("solvePnP failed")
    return cv2.Rodrigues(rvec)[0]


def rotation_angle_deg(r1: np.ndarray, r2: np.ndarray) -> float:
    """Geodesic angle between two rotations, in degrees."""
    c = (np.trace(r1 @ r2.T) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def euler_deg(r: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a camera-frame rotation (x right, y down, z forward)."""
    pitch = np.degrees(np.arctan2(r[2, 1], r[2, 2]))
    yaw = np.degrees(np.arcsin(-np.clip(r[2, 0], -1, 1)))
    roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
    return float(yaw), float(pitch), float(roll)


def pose_error_deg(mesh_orig: np.ndarray, mesh_anon: np.ndarray, image_shape: tuple[int, ...]) -> float:
    """Head-pose change in degrees: solvePnP of one 3D model (the original's own mesh, centred)
    onto both meshes' image points; the generic-model bias cancels in the relative rotation."""
    if mesh_orig.shape[1] < 3:
        raise ValueError("pose error needs the original mesh with depth (N, 3)")
    model = mesh_orig[:N_FACE_POINTS].astype(np.float64)
    model = model - model.mean(0)
    r_o = solve_pose(model, mesh_orig[:N_FACE_POINTS], image_shape)
    r_a = solve_pose(model, mesh_anon[:N_FACE_POINTS], image_shape)
    return rotation_angle_deg(r_o, r_a)


def similarity_align(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """src mapped onto dst by the least-squares similarity (rotation, scale, shift); any dimension."""
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    ms, md = src.mean(0), dst.mean(0)
    s0, d0 = src - ms, dst - md
    u, sig, vt = np.linalg.svd(d0.T @ s0)
    d = np.ones(len(sig))
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    rot = u @ np.diag(d) @ vt
    scale = (sig * d).sum() / max((s0**2).sum(), 1e-12)
    return (scale * (rot @ s0.T)).T + md


def interocular(mesh: np.ndarray) -> float:
    """Distance between the outer eye corners (the normaliser, like NME's inter-ocular)."""
    return float(np.linalg.norm(mesh[RIGHT_EYE[0], :2] - mesh[LEFT_EYE[0], :2]))


def landmark_error(mesh_orig: np.ndarray, mesh_anon: np.ndarray) -> float:
    """Expression change: mean distance of the 468 face points after removing pose by a
    similarity fit (3D when both meshes have depth), over the original's inter-ocular distance."""
    dims = 3 if mesh_orig.shape[1] >= 3 and mesh_anon.shape[1] >= 3 else 2
    a = mesh_anon[:N_FACE_POINTS, :dims]
    o = mesh_orig[:N_FACE_POINTS, :dims]
    fitted = similarity_align(a, o)
    return float(np.linalg.norm(fitted - o, axis=1).mean() / max(interocular(mesh_orig), 1e-9))


def eye_gaze(mesh: np.ndarray, eye: tuple[int, int, int, int, int]) -> np.ndarray:
    """Unit gaze vector of one eye from the iris centre's offset in the eye's own frame.

    Eyeball model: radius 0.45 x the corner-to-corner width (an average adult eye); the
    offset of the iris from the eye centre, divided by the radius, is the sine of the angle.
    """
    outer, inner, _, _, iris = (mesh[i, :2] for i in eye)
    centre = (outer + inner) / 2
    ex = inner - outer
    width = max(np.linalg.norm(ex), 1e-9)
    ex = ex / width
    ey = np.array([-ex[1], ex[0]])
    if eye == LEFT_EYE:  # keep +x toward the image right for both eyes
        ex = -ex
        ey = -ey
    off = iris - centre
    r = 0.45 * width
    u = np.clip(off @ ex / r, -0.99, 0.99)
    v = np.clip(off @ ey / r, -0.99, 0.99)
    g = np.array([u, v, np.sqrt(max(1 - u * u - v * v, 0.0))])
    return g / np.linalg.norm(g)


def gaze_error_deg(mesh_orig: np.ndarray, mesh_anon: np.ndarray) -> float:
    """Mean angle between the original's and the anonymized face's eye gaze, both eyes."""
    if mesh_orig.shape[0] < 478 or mesh_anon.shape[0] < 478:
        raise ValueError("gaze needs the 478-point mesh with irises")
    errs = []
    for eye in (RIGHT_EYE, LEFT_EYE):
        c = float(np.clip(eye_gaze(mesh_orig, eye) @ eye_gaze(mesh_anon, eye), -1, 1))
        errs.append(np.degrees(np.arccos(c)))
    return float(np.mean(errs))
