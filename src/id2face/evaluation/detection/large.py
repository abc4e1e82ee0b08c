"""A crowd far away in a large photo: the bench's crowd scene set into a 12-megapixel frame.

The crowd's faces keep their 16-70 px; the frame around them is a scene backdrop enlarged to 4000 x 3000,
so the detectors see a phone camera's photo in which the people are a small part (an audience, a
street). The front-end looks at such a photo in a 640-px copy, where those faces are 3-11 px.
"""

from __future__ import annotations

import cv2
import numpy as np

from id2face.evaluation.detection.backdrops import Scene, background

LARGE = "crowd in a 12 MP photo"  # its category in the bench (scenes.CATEGORIES)
LARGE_SIZE = (4000, 3000)  # w, h


def in_large_photo(crowd: Scene, rng: np.random.Generator) -> Scene:
    """`crowd` pasted at a random place of a LARGE_SIZE frame (another backdrop, enlarged)."""
    w, h = LARGE_SIZE
    frame = cv2.resize(background(rng), (w, h), interpolation=cv2.INTER_LINEAR)
    ch, cw = crowd.image.shape[:2]
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    frame[y:y + ch, x:x + cw] = crowd.image
    return Scene(frame, LARGE, crowd.boxes + np.array([x, y, x, y], np.float64), crowd.source)
