"""The replaced region's growth: unset means "the method's choice, else DEFAULT_DILATE"."""

import numpy as np
import pytest

from id2face.face.config import DEFAULT_DILATE, MaskConfig
from id2face.face.mask import hard_mask
from id2face.face.types import Face
from id2face.geometry import FFHQ

FACE = Face(box=np.array([20.0, 20.0, 80.0, 90.0]), score=1.0,
            keypoints5=np.array([[38, 45], [62, 45], [50, 58], [41, 72], [59, 72]], np.float64))


def test_an_unset_growth_is_the_default_width_and_a_chosen_one_is_kept():
    assert MaskConfig().dilate is None and MaskConfig().grow == DEFAULT_DILATE
    assert MaskConfig(dilate=0.1).grow == 0.1 and MaskConfig(dilate=0.0).grow == 0.0
    np.testing.assert_array_equal(hard_mask(FACE, 128, FFHQ, MaskConfig()),
                                  hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=DEFAULT_DILATE)))
    assert hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=0.12)).sum() > hard_mask(FACE, 128, FFHQ).sum()


@pytest.mark.parametrize("bad", [-0.01, 0.6])
def test_a_growth_outside_the_crop_is_refused(bad):
    with pytest.raises(ValueError, match="dilate"):
        MaskConfig(dilate=bad)


def test_small_faces_can_grow_further_fading_out_with_size():
    cfg = MaskConfig(dilate=0.12, small_grow=0.04)
    assert cfg.grow_for(60) == pytest.approx(0.16) and cfg.grow_for(100) == pytest.approx(0.16)
    assert cfg.grow_for(125) == pytest.approx(0.14) and cfg.grow_for(150) == pytest.approx(0.12)
    assert MaskConfig(dilate=0.12).grow_for(20) == 0.12  # off by default
    small = Face(box=FACE.box.copy(), score=1.0, keypoints5=FACE.keypoints5.copy())  # 60 px wide
    large = Face(box=FACE.box * 4, score=1.0, keypoints5=FACE.keypoints5.copy())  # 240 px: same crop points
    assert hard_mask(small, 128, FFHQ, cfg).sum() > hard_mask(large, 128, FFHQ, cfg).sum()
    plain = MaskConfig(dilate=0.12)
    np.testing.assert_array_equal(hard_mask(large, 128, FFHQ, cfg), hard_mask(large, 128, FFHQ, plain))


def test_the_extra_growth_never_reaches_the_faces_own_outline():
    from id2face.face.mask import core_mask, face_mask

    small = Face(box=FACE.box.copy(), score=1.0, keypoints5=FACE.keypoints5.copy())
    cfg = MaskConfig(dilate=0.12, small_grow=0.04)
    face_mask(small, 128, FFHQ, cfg)
    wider = core_mask(small, 128, FFHQ, cfg)
    np.testing.assert_array_equal(wider, core_mask(small, 128, FFHQ, MaskConfig(dilate=0.12)))


def test_the_growth_below_the_face_can_be_cut_and_the_rest_stays():
    def extent(mask):
        ys, xs = np.nonzero(mask)
        return ys.min(), ys.max(), xs.min(), xs.max()

    plain = hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=0.06))
    np.testing.assert_array_equal(plain, hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=0.06, neck=1.0)))
    half = hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=0.06, neck=0.5))
    none = hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=0.06, neck=0.0))
    outline = hard_mask(FACE, 128, FFHQ, MaskConfig(dilate=0.0))
    top, bottom, left, right = extent(plain)
    grow = round(0.06 * 128)  # kept off the crop's edge
    assert extent(half) == (top, extent(outline)[1] + round(0.5 * grow), left, right)
    assert extent(none) == (top, extent(outline)[1], left, right)  # sides and top grow as before
    assert bottom == extent(outline)[1] + grow
    assert (none <= half).all() and (half <= plain).all() and (outline <= none).all()


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_a_neck_share_outside_zero_to_one_is_refused(bad):
    with pytest.raises(ValueError, match="neck"):
        MaskConfig(neck=bad)
