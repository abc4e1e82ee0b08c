"""Hands in front of a face stay in front of the new face.

A hand on a cheek, under a chin, holding a phone or a glass lies inside the region that is replaced: the model
draws a face there and the hand becomes a smear. MediaPipe Hands (its full model ships in the wheel) finds
the hands in a view around the face; each hand's palm and fingers, drawn from its 21 points (fingers as wide
as a real one, so that the face between two spread fingers is still replaced), keep their own pixels when the
new face is pasted. A hand carries none of the face's identity. The face's eye band is replaced whatever a
detection says, and a hand found over the eyes is not kept at all (a face was detected there: the eyes show).
"""

from __future__ import annotations

import threading
import warnings

import cv2
import numpy as np

from id2face.face.quiet import native_stderr_silenced, settle
from id2face.face.scale import downscaled
from id2face.face.shared_graph import SharedGraph
from id2face.face.types import Face
from id2face.geometry import apply_affine, compose_affine

VIEW_MARGIN = 1.0  # the view around a face, in face widths (sides) and heights (above and below)
VIEW_MAX_SIDE = 640  # a larger view is scaled down first
MIN_FACE_PX = 40.0  # narrower faces are not looked at: their hands are too small to find reliably
MIN_CONFIDENCE = 0.6  # the palm detector's threshold
MAX_HANDS = 4
# Shape of a kept hand, in palm widths (index to little-finger knuckle): about a real finger's width; the soft
# edge (EDGE_FADE) gives its outer pixel to the new face.
FINGER_WIDTH = 0.26
WRIST_LENGTH, WRIST_WIDTH = 0.5, 0.7  # the wrist below the palm (in palm lengths / palm widths)
MIN_PALM_SHARE = 0.12  # palm width / face width under which a "hand" is a background one or a false find
EYE_RADIUS = 0.35  # the eye band: a capsule through both eyes, this share of the eye distance on each side
EYES_COVERED = 0.3  # a hand covering more than this share of the eye band is dropped
EDGE_FADE = 0.012  # share of the crop over which a kept hand fades in from its edge

PALM = (0, 1, 5, 9, 13, 17)
FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))


class HandFinder:
    """21 points per hand in an RGB view (MediaPipe Hands, static images), used under a lock."""

    def __init__(self) -> None:
        import mediapipe as mp

        self._lock = threading.Lock()
        with native_stderr_silenced():  # graph build and first run print TFLite notices to fd 2
            # model_complexity=1: the full models ship in the wheel
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=True, max_num_hands=MAX_HANDS, model_complexity=1,
                min_detection_confidence=MIN_CONFIDENCE)
            settle(self._hands, np.zeros((64, 64, 3), np.uint8))

    def __call__(self, view: np.ndarray) -> list[np.ndarray]:
        """(21, 2) float64 view-pixel points of each hand found."""
        h, w = view.shape[:2]
        with self._lock:
            res = self._hands.process(np.ascontiguousarray(view))
        return [np.array([[p.x * w, p.y * h] for p in hand.landmark], np.float64)
                for hand in (res.multi_hand_landmarks or [])]

    def close(self) -> None:
        if self._hands is not None:
            self._hands.close()
            self._hands = None


_shared = SharedGraph(HandFinder)


def find_hands(view: np.ndarray) -> list[np.ndarray]:
    """`HandFinder` output from one finder shared by the process (built on first use)."""
    return _shared.get()(view)


def hand_shape(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 0/1: one hand's palm, fingers and wrist drawn from its 21 points (pixels of `shape`)."""
    mask = np.zeros(shape, np.uint8)
    p = np.asarray(points, np.float64)
    palm_w = float(np.linalg.norm(p[5] - p[17]))
    if palm_w < 1.0:
        return mask
    finger = max(1, int(round(FINGER_WIDTH * palm_w)))
    cv2.fillPoly(mask, [cv2.convexHull(np.round(p[list(PALM)]).astype(np.int32))], 1)
    for chain in FINGERS:
        cv2.polylines(mask, [np.round(p[list(chain)]).astype(np.int32)], False, 1, thickness=finger)
    wrist_dir = p[0] - p[9]
    end = p[0] + WRIST_LENGTH * wrist_dir
    cv2.line(mask, tuple(int(v) for v in np.round(p[0])), tuple(int(v) for v in np.round(end)), 1,
             thickness=max(1, int(round(WRIST_WIDTH * palm_w))))
    return mask


def eye_band(face: Face, size: int) -> np.ndarray:
    """(size, size) bool in the face's crop: a capsule through both eyes."""
    eyes = apply_affine(np.asarray(face.matrix, np.float64), np.asarray(face.keypoints5, np.float64)[:2])
    radius = max(1, int(round(EYE_RADIUS * float(np.linalg.norm(eyes[1] - eyes[0])))))
    band = np.zeros((size, size), np.uint8)
    a, b = (tuple(int(v) for v in np.round(e)) for e in eyes)
    cv2.line(band, a, b, 1, thickness=2 * radius + 1)
    return band.astype(bool)


def face_view(face: Face, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) photo pixels of the view around `face` in which hands are looked for."""
    x0, y0, x1, y1 = (float(v) for v in face.box)
    mx, my = VIEW_MARGIN * (x1 - x0), VIEW_MARGIN * (y1 - y0)
    return (int(max(0, np.floor(x0 - mx))), int(max(0, np.floor(y0 - my))),
            int(min(shape[1], np.ceil(x1 + mx))), int(min(shape[0], np.ceil(y1 + my))))


def hands_over(image: np.ndarray, face: Face, size: int, find=None) -> np.ndarray | None:
    """(size, size) float32 in [0, 1] in the face's crop: where a hand shows (kept when pasting), or None.

    `face` needs its `matrix` (aligned). `find`: the hand finder (default: `find_hands`).
    """
    if face.width < MIN_FACE_PX:
        return None
    x0, y0, x1, y1 = face_view(face, image.shape)
    if x1 - x0 < 8 or y1 - y0 < 8:  # a box all but outside the photo: no view to look in
        return None
    view, scale = downscaled(image[y0:y1, x0:x1], VIEW_MAX_SIDE)
    hands = [pts / scale for pts in (find or find_hands)(view)]
    hands = [pts for pts in hands if np.linalg.norm(pts[5] - pts[17]) >= MIN_PALM_SHARE * face.width]
    if not hands:
        return None
    view_to_crop = compose_affine(np.asarray(face.matrix, np.float64),
                                  np.array([[1.0, 0.0, x0], [0.0, 1.0, y0]]))
    band = eye_band(face, size)
    kept = np.zeros((size, size), np.float32)
    for pts in hands:
        drawn = cv2.warpAffine(hand_shape(pts, (y1 - y0, x1 - x0)).astype(np.float32), view_to_crop,
                               (size, size), flags=cv2.INTER_LINEAR, borderValue=0)
        if band.any() and float(drawn[band].mean()) > EYES_COVERED:
            continue
        kept = np.maximum(kept, drawn)
    kept[band] = 0.0
    if kept.max() <= 0:
        return None
    # Faded in over the hand's outermost EDGE_FADE of the crop: soft at its edge, whole inside a finger.
    inside = cv2.distanceTransform((kept > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(inside / max(1.0, EDGE_FADE * size), 0.0, 1.0).astype(np.float32)


def hands_in_front(image: np.ndarray, face: Face, size: int) -> np.ndarray | None:
    """`hands_over`, or None where the hand search itself fails: keeping hands is a nicety, and a new face
    pasted over them hides no less, so the photo is still written (with a warning)."""
    try:
        return hands_over(image, face, size)
    except Exception as e:  # noqa: BLE001 - any failure of the optional search leaves the paste as before
        warnings.warn(f"hand search failed, the new face is pasted over any hands: {e}", stacklevel=2)
        return None


def without_hands(region: np.ndarray, kept: np.ndarray | None) -> np.ndarray:
    """A paste region less what keeps its own pixels (a hand in front, from `hands_in_front`)."""
    return region if kept is None else (region * (1.0 - kept)).astype(np.float32)
