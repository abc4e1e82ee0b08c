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
# A crowd of smaller faces (14-28 px) in a mid-size photo, as most photos on the web are: 7-14 px in the
# 640-px whole look, found in tiles of the photo's own pixels (face/pyramid.py).
MID = "crowd in a 1280 px photo"
MID_SIZE = (1280, 960)
MID_FACES = (14.0, 28.0)


def in_large_photo(crowd: Scene, rng: np.random.Generator, size: tuple[int, int] = LARGE_SIZE,
                   category: str = LARGE) -> Scene:
    """`crowd` pasted at a random place of a `size` frame (another backdrop, enlarged)."""
    w, h = size
    frame = cv2.resize(background(rng), (w, h), interpolation=cv2.INTER_LINEAR)
    ch, cw = crowd.image.shape[:2]
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    frame[y:y + ch, x:x + cw] = crowd.image
    return Scene(frame, category, crowd.boxes + np.array([x, y, x, y], np.float64), crowd.source)
