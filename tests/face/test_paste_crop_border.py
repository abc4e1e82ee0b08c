"""The crop's outermost pixels never reach the photo: no coloured line along a replaced face's edge."""

import numpy as np
import pytest

from id2face.face.paste import edge_fade
from id2face.geometry import apply_affine


def saturation(img: np.ndarray) -> np.ndarray:
    return img.max(axis=2).astype(np.int16) - img.min(axis=2)


def test_edge_fade_is_zero_at_the_border_and_one_inside():
    fade = edge_fade(128)
    assert fade[0].max() == 0 and fade[:, 0].max() == 0 and fade[-1].max() == 0 and fade[:, -1].max() == 0
    assert fade[16:-16, 16:-16].min() == 1.0


@pytest.mark.slow
def test_no_saturated_line_at_the_crop_border_of_an_id2face_face(astronaut):
    """The model's first decoded rows are chroma noise and the mask reaches the crop's top edge (the
    forehead push): before the fix colour matching stretched them into a magenta/green/yellow line."""
    from id2face.anonymizer import Anonymizer

    anonymizer = Anonymizer(seed=0)
    faces = anonymizer.detector.detect(astronaut)
    out, _ = anonymizer.anonymize_rgb(astronaut, faces)
    size = anonymizer.method.crop_size
    h, w = astronaut.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    jump = saturation(out) - saturation(astronaut)
    assert faces
    for f in faces:  # photo pixels within 2 crop pixels of the crop's edge, inside or just outside it
        c = apply_affine(f.matrix, np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float64))
        edge = np.minimum(np.minimum(c[:, 0], c[:, 1]), np.minimum(size - 1 - c[:, 0], size - 1 - c[:, 1]))
        band = ((edge > -1) & (edge < 2)).reshape(h, w)
        assert (jump[band] > 40).sum() == 0, (
            f"{(jump[band] > 40).sum()} saturated pixels along the crop's edge"
        )
