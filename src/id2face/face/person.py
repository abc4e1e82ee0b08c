"""Where a face crop shows the person and where the background (MediaPipe's selfie segmentation, bundled).

The replaced region grows past the face's outline to hide it; where that growth reaches past the head into
the background, a new face's band there is a smeared copy of a background the model never needed to draw
(a halo around the head). MaskConfig.blend "person" (face/mask.py) pastes the region only where this finds a
person in the real crop or in the new one, so the background beyond both heads keeps its own pixels while the
face, its outline, ears and hair are replaced as before.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from id2face.face.quiet import native_stderr_silenced, settle
from id2face.face.shared_graph import SharedGraph

SEGMENTER_SIDE = 256  # the general selfie model's input side


class PersonSegmenter:
    """Person probability per pixel of an RGB crop; one graph, used under a lock (it is not thread-safe)."""

    def __init__(self) -> None:
        import mediapipe as mp

        self._lock = threading.Lock()
        # Building the graph and its first run print TFLite notices straight to fd 2: not the CLI's output.
        with native_stderr_silenced():
            self._seg = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
            settle(self._seg, np.zeros((SEGMENTER_SIDE, SEGMENTER_SIDE, 3), np.uint8))

    def __call__(self, crop: np.ndarray) -> np.ndarray:
        """(H, W) float32 in [0, 1] for an (H, W, 3) uint8 RGB crop."""
        h, w = crop.shape[:2]
        view = cv2.resize(np.ascontiguousarray(crop), (SEGMENTER_SIDE, SEGMENTER_SIDE),
                          interpolation=cv2.INTER_AREA if max(h, w) > SEGMENTER_SIDE else cv2.INTER_LINEAR)
        with self._lock:
            prob = self._seg.process(view).segmentation_mask
        return np.clip(cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0).astype(np.float32)

    def close(self) -> None:
        """Stop the graph's threads now, not in interpreter teardown (where they can abort it)."""
        if self._seg is not None:
            self._seg.close()
            self._seg = None


_shared = SharedGraph(PersonSegmenter)


def person_probability(crop: np.ndarray) -> np.ndarray:
    """Person probability of a crop, from one segmenter shared by the process (built on first use)."""
    return _shared.get()(crop)
