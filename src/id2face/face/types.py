"""The typed record one face carries from detection to paste-back."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Face:
    """One detected face. Every later stage adds to it; none re-derives what an earlier one knew.

    Coordinates are in pixels of the full-resolution (EXIF-oriented) photo.
    """

    box: np.ndarray  # (4,) x0, y0, x1, y1
    score: float
    keypoints5: np.ndarray  # (5, 2) right eye, left eye, nose, right mouth, left mouth
    mesh: np.ndarray | None = None  # (478, 2) or (478, 3) MediaPipe face mesh, pixels (z unscaled)
    # The detector's own five points, kept when the mesh's replace keypoints5: what a face without a mesh has.
    detector_keypoints5: np.ndarray | None = None
    track_id: int | None = None
    detector: str = ""
    # Kept on weak evidence (face/detect.py): a CenterFace box under its sure score that only the face mesh
    # confirmed, not CenterFace's zoomed second look. On 1,500 real photos most such boxes were no face (a
    # pattern, a logo, a cartoon, a fist): a method that draws new faces blurs them (MaskConfig.unsure).
    unsure: bool = False
    # Filled by alignment:
    matrix: np.ndarray | None = None  # 2x3 photo -> crop
    crop: np.ndarray | None = None  # (S, S, 3) uint8 RGB
    mask: np.ndarray | None = None  # (S, S) float32 in [0, 1], feathered; 1 = replaced
    blend: np.ndarray | None = None  # (S, S) float32 in [0, 1]: the part of the mask pasted back
    person: np.ndarray | None = None  # (S, S) float32 in [0, 1]: where the crop shows a person (blend)
    crop_landmarks: np.ndarray | None = None  # mesh (or its estimate, or 5 points) in crop pixels
    # Filled by tracking (face.track), float64 photo pixels: the smoothed geometry (anti-flicker).
    smooth_box: np.ndarray | None = None
    smooth_keypoints5: np.ndarray | None = None
    smooth_mesh: np.ndarray | None = None
    # Filled by the Anonymizer: what a face's identity key is made of (methods/diffusion.py).
    photo_key: str | None = None  # content hash of the photo (methods.keys.photo_key)
    face_index: int | None = None  # place among the photo's detected faces, before any filtering
    extras: dict = field(default_factory=dict)  # free for callers; the package itself uses the fields

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])
