"""Landmarks: five alignment points and the 478-point MediaPipe face mesh (with irises).

Five-point order everywhere: subject's right eye, left eye, nose tip, right mouth corner,
left mouth corner (the subject's right appears on the image's left in a frontal photo).
"""

from __future__ import annotations

import numpy as np

from id2face.face.align import box_view
from id2face.face.quiet import native_stderr_silenced, settle
from id2face.face.types import Face

# Mesh indices of the five alignment points: iris centres, nose tip, mouth corners.
MESH_KEYPOINTS5 = (468, 473, 1, 61, 291)
# The face outline of the MediaPipe mesh, in order around the face.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
MESH_CROP = 256  # side of the square crop the mesh model sees
MESH_CONTEXT = 1.9  # crop side relative to the detection box


def keypoints5_from_detection(box: np.ndarray, kps: np.ndarray | None) -> np.ndarray:
    """Five points from MediaPipe's detection keypoints (eyes, nose, mouth centre), or the box."""
    if kps is None:
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        rel = np.array([[0.32, 0.40], [0.68, 0.40], [0.5, 0.58], [0.36, 0.76], [0.64, 0.76]])
        return np.column_stack([x0 + rel[:, 0] * w, y0 + rel[:, 1] * h])
    r_eye, l_eye, nose, mouth = kps[0], kps[1], kps[2], kps[3]
    half = 0.5 * 0.83 * (l_eye - r_eye)  # ArcFace ratio of mouth width to eye distance
    return np.array([r_eye, l_eye, nose, mouth - half, mouth + half], dtype=np.float64)


class MeshEstimator:
    """Runs the face mesh on a fixed-size crop around one detection, maps points back to the photo."""

    def __init__(self, min_confidence: float = 0.3):
        import mediapipe as mp

        # Building the graph and opening its nodes print TFLite notices to fd 2: not the CLI's output.
        with native_stderr_silenced():
            self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                min_detection_confidence=min_confidence,
            )
            settle(self._mesh, np.zeros((MESH_CROP, MESH_CROP, 3), np.uint8))
        self._first = True

    def close(self) -> None:
        """Stop the mesh graph's threads now, not in interpreter teardown (where they can abort it)."""
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None

    def refine(self, image: np.ndarray, face: Face, context: float = MESH_CONTEXT) -> bool:
        """Fill face.mesh and face.keypoints5 from the mesh; False when the mesh finds no face.

        `context`: the side of the view the mesh sees, relative to the detection box."""
        x0, y0, x1, y1 = face.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        crop, m = box_view(image, face.box, MESH_CROP, context)
        s = m[0, 0]
        if self._first:  # the first mesh found prints a projection notice on fd 2 (not a view without one)
            with native_stderr_silenced():
                res = settle(self._mesh, crop)
            self._first = not res.multi_face_landmarks
        else:
            res = self._mesh.process(crop)
        if not res.multi_face_landmarks:
            return False
        lm = res.multi_face_landmarks[0].landmark
        pts = np.array([[p.x * MESH_CROP, p.y * MESH_CROP, p.z * MESH_CROP] for p in lm], dtype=np.float64)
        mesh = np.empty_like(pts)
        mesh[:, 0] = (pts[:, 0] - m[0, 2]) / s
        mesh[:, 1] = (pts[:, 1] - m[1, 2]) / s
        mesh[:, 2] = pts[:, 2] / s
        # A mesh far from the detection is a different face in the context: keep the detection.
        centre = mesh[:, :2].mean(0)
        if np.hypot(centre[0] - cx, centre[1] - cy) > 0.5 * max(x1 - x0, y1 - y0):
            return False
        if face.detector_keypoints5 is None:
            face.detector_keypoints5 = np.asarray(face.keypoints5, np.float64).copy()
        face.mesh = mesh
        face.keypoints5 = mesh[list(MESH_KEYPOINTS5), :2].copy()
        return True
