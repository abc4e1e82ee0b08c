"""Faces that cannot be aligned the usual way still get covered: a detected face is never left as it was.

Three ways a face is replaced, best first:
- "mesh": the 478-point mesh found the face; the method runs on a mesh-aligned crop and mask.
- "points": no mesh (profile, occlusion, too small for it), but five landmarks that look like a
  face (eyes apart, mouth below them); the method runs on those points with the template's mask.
- "head": nothing usable (a face cut by the photo's edge, a sideways profile with both eyes on one
  spot): five points are placed from the box, upright, and the method runs on them as on a face on
  points (MaskConfig.heads "replace", the default); with "blur" the head ellipse around the box is
  blurred, feathered, in place of the method.
The last two count as fallbacks in the report.
"""

from __future__ import annotations

import numpy as np

from id2face.face.landmarks import keypoints5_from_detection
from id2face.face.types import Face

MESH, POINTS, HEAD = "mesh", "points", "head"


def plausible_points(face: Face, min_eye_ratio: float = 0.2) -> bool:
    """Five points a similarity can align: eyes apart, in the box, and the mouth below them."""
    kp = np.asarray(face.keypoints5, np.float64)
    if kp.shape != (5, 2) or not np.isfinite(kp).all():
        return False
    x0, y0, x1, y1 = face.box
    side = max(x1 - x0, y1 - y0, 1e-6)
    margin = 0.5 * side
    if (
        (kp[:, 0] < x0 - margin).any()
        or (kp[:, 0] > x1 + margin).any()
        or (kp[:, 1] < y0 - margin).any()
        or (kp[:, 1] > y1 + margin).any()
    ):
        return False
    eye_line = kp[1] - kp[0]
    eyes = float(np.hypot(*eye_line))
    if eyes < min_eye_ratio * side:
        return False
    down = (
        np.array([-eye_line[1], eye_line[0]]) / eyes
    )  # the face's "down", for the subject's right eye first
    drop = (kp[3] + kp[4]) / 2 - (kp[0] + kp[1]) / 2
    along = float(drop @ down)
    return 0.5 * eyes <= along <= 2.5 * eyes and along >= 0.7 * float(np.hypot(*drop))


def replacement_kind(face: Face) -> str:
    """How this face can be replaced: MESH, POINTS or HEAD (see the module's docstring)."""
    if face.mesh is not None:
        return MESH
    return POINTS if plausible_points(face) else HEAD


def as_head(face: Face) -> Face:
    """Points placed from the box alone (upright): alignment frames the face the method draws there, or the
    head ellipse to blur."""
    face.keypoints5 = keypoints5_from_detection(face.box, None)
    face.mesh = None
    return face


def as_missed(face: Face) -> Face:
    """The face as the mesh model would have left it, had it missed it: no mesh, and the detector's own five
    points (what the five-point path gets) where the mesh's had replaced them. For measuring that path."""
    face.mesh = None
    if face.detector_keypoints5 is not None:
        face.keypoints5 = face.detector_keypoints5
    return face


def paste_order(faces: list[Face], kinds: list[str]) -> list[int]:
    """The order to paste one photo's faces in: where two regions overlap, the last paste shows.

    The face in front is the one the mesh found, and the larger one: a face half hidden behind another
    (no mesh, its template region reaching over the front face's chin) or a head blur must not cover
    the front face's new face. So heads first, then faces on points, then meshed faces, each from the
    smallest up. Every region is still pasted: an overlap is covered by one new face or the other.
    """
    rank = {HEAD: 0, POINTS: 1, MESH: 2}

    def key(i: int) -> tuple[int, float]:
        x0, y0, x1, y1 = faces[i].box
        return rank[kinds[i]], float(max(x1 - x0, y1 - y0))

    return sorted(range(len(faces)), key=key)
