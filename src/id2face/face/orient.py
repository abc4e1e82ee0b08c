"""Photos taken sideways or upside down, and faces lying at another angle than the others: look turned.

Detectors are trained on upright faces; a phone photo whose orientation tag was lost (or a scan
held the wrong way) shows every face at 90, 180 or 270 degrees, and in a photo of people lying down
or seen from above some faces are upright and others are not. Faces found on a turned copy are
mapped back to the photo's own pixels (box, five points, mesh), so alignment and paste-back work
on the photo as it is; the five points keep their anatomical order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from id2face.face.fuse import overlap
from id2face.face.types import Face

if TYPE_CHECKING:
    from id2face.face.detect import FaceDetector

TURNS = (1, 3, 2)  # np.rot90 quarter turns tried in order: sideways first (the common case), then upside down


def unturn_points(pts: np.ndarray, turns: int, width: int, height: int) -> np.ndarray:
    """Points of `np.rot90(photo, turns)` (x, y in pixels, any extra columns kept) in the photo's pixels."""
    out = np.array(pts, dtype=np.float64, copy=True)
    x, y = pts[..., 0], pts[..., 1]
    k = turns % 4
    if k == 1:  # rotated counter-clockwise: its x runs down the photo, its y runs from the right edge
        out[..., 0], out[..., 1] = width - y, x
    elif k == 2:
        out[..., 0], out[..., 1] = width - x, height - y
    elif k == 3:
        out[..., 0], out[..., 1] = y, height - x
    return out


def unturn_face(face: Face, turns: int, width: int, height: int) -> Face:
    """A face found on the turned copy, in the photo's pixels (in place)."""
    x0, y0, x1, y1 = face.box
    corners = unturn_points(np.array([[x0, y0], [x1, y1]]), turns, width, height)
    face.box = np.concatenate([corners.min(0), corners.max(0)])
    face.keypoints5 = unturn_points(face.keypoints5, turns, width, height)
    if face.mesh is not None:
        face.mesh = unturn_points(face.mesh, turns, width, height)
    if face.detector_keypoints5 is not None:
        face.detector_keypoints5 = unturn_points(face.detector_keypoints5, turns, width, height)
    face.detector = f"{face.detector}@{90 * (turns % 4)}"
    return face


def detect_any_orientation(detector: FaceDetector, image: np.ndarray, sure: float = 0.9) -> list[Face]:
    """The detector's faces; when there are none and `rotations` is on, those of the first turned
    copy that has any. Three more looks are three more chances of a false alarm, so a face on a
    turned copy counts when the face mesh confirms it (it is upright there) or its score is `sure`
    (so the turned copies skip the faint candidates' zoomed checks: those faces rarely get either).
    Where there are faces and `rotations_beside` is on, the turned copies add the faces that lie at
    another angle beside them (beside_turned)."""
    faces = detector.detect(image)
    cfg = detector.config
    if not cfg.rotations:
        return faces
    if faces:
        return faces + beside_turned(detector, image, faces, sure) if cfg.rotations_beside else faces
    h, w = image.shape[:2]
    for k in TURNS:
        turned = [
            f
            for f in detector.detect(np.ascontiguousarray(np.rot90(image, k)), faint=False, finer=False)
            if f.mesh is not None or f.score >= sure
        ]
        if turned:
            return [unturn_face(f, k, w, h) for f in turned]
    return []


def detect_frame(detector: FaceDetector, frame: np.ndarray, sure: float = 0.9) -> list[Face]:
    """A video frame's faces, upright and turned: a clip filmed sideways (no rotation tag) or people
    lying down. As detect_any_orientation, but a frame with no upright face is looked at turned only
    where a glance sees something (beside_turned), not three whole looks per frame of an empty scene;
    a face found turned there counts as in a photo with none upright."""
    faces = detector.detect(frame)
    cfg = detector.config
    if not cfg.rotations or (faces and not cfg.rotations_beside):
        return faces
    return faces + beside_turned(detector, frame, faces, sure)


def beside_turned(detector: FaceDetector, image: np.ndarray, upright: list[Face], sure: float = 0.9,
                  apart: float = 0.3, glance: float = 0.3) -> list[Face]:
    """Faces on the turned copies of a photo that has `upright` faces, in the photo's pixels: those
    scoring `beside_sure` that are not unsure, have a mesh or score `sure`, and cover no more than
    `apart` of a face already kept (nor it of them). A turned copy is looked at whole only where a
    glance at it scores `glance` away from the faces kept. On real photos with faces the turned looks
    find the top of an upright head, hands, glasses and buttons, nearly all under 0.5; the few over it
    (3 in 1,500 photos: clasped hands, a dress's print) are why a face added under `sure` is unsure:
    blurred by a method that draws new faces, not given one (docs/PERFORMANCE.md). With no `upright`
    face (a video frame: detect_frame) none of that is there: a turned face counts with a mesh or a
    score of `sure`, as detect_any_orientation counts one."""
    h, w = image.shape[:2]
    kept = list(upright)
    added: list[Face] = []
    for k in TURNS:
        turned = np.ascontiguousarray(np.rot90(image, k))
        # The glance is one CenterFace pass, about half a whole look: most turned copies show nothing new.
        seen = [unturn_points(np.reshape(b, (2, 2)), k, w, h) for b in detector.glance(turned, glance)]
        if not any(_away(np.concatenate([c.min(0), c.max(0)]), kept, apart) for c in seen):
            continue
        for f in detector.detect(turned, faint=False, finer=False):
            if f.mesh is None and f.score < sure:
                continue
            if upright and (f.unsure or f.score < detector.config.beside_sure):
                continue
            f = unturn_face(f, k, w, h)
            if upright:
                f.unsure = f.score < sure
            if _away(f.box, kept, apart):
                kept.append(f)
                added.append(f)
    return added


def _away(box: np.ndarray, faces: list[Face], apart: float) -> bool:
    """`box` covers no more than `apart` of any face's box (IoU, or the share of the smaller box)."""
    return all(max(overlap(box, f.box)) <= apart for f in faces)
