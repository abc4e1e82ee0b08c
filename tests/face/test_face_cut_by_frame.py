"""Faces cut by the frame: the crop is whole (the warp pads the photo by repeating its edge), the
mask and the method see that padded context, and paste-back writes inside the photo only."""

import numpy as np

from id2face.face.align import align_face
from id2face.face.mask import face_mask
from id2face.face.paste import paste_crop
from id2face.geometry import FFHQ, apply_affine, invert_affine


def test_a_face_cut_by_the_left_edge_gets_a_whole_crop_and_a_paste_inside_the_photo(detector, astronaut):
    img = np.ascontiguousarray(astronaut[40:, 215:])  # about a third of the face is outside
    faces = detector.detect(img)
    assert len(faces) == 1
    f = faces[0]
    size = 128
    align_face(img, f, size, FFHQ)
    face_mask(f, size, FFHQ)
    # Crop pixels that come from outside the photo: padded context, never black, and in the mask.
    ys, xs = np.mgrid[0:size, 0:size]
    photo_xy = apply_affine(invert_affine(f.matrix), np.column_stack([xs.ravel(), ys.ravel()]).astype(float))
    outside = (photo_xy[:, 0] < 0).reshape(size, size)
    assert outside.mean() > 0.1
    assert f.crop[outside].min() > 0 and (f.mask[outside] > 0.5).any()
    out = img.copy()
    paste_crop(out, np.zeros_like(f.crop), f.mask, f.matrix)
    assert out.shape == img.shape
    assert (out[:, :10] != img[:, :10]).any()  # the face at the edge is replaced right up to it
