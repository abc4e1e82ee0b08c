import numpy as np
import pytest

from id2face.face.align import align_face
from id2face.face.config import MaskConfig
from id2face.face.grain import MAX_ADDED, add_grain, grain_level
from id2face.face.mask import face_mask
from id2face.face.paste import paste_crop
from id2face.geometry import FFHQ


def _scene(noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smooth new face, an original with `noise` grey levels of grain over the same shading, full alpha."""
    yy, xx = np.mgrid[0:96, 0:96].astype(np.float32)
    shading = 90 + 60 * np.exp(-((xx - 48) ** 2 + (yy - 48) ** 2) / 900.0)
    smooth = np.repeat(shading[..., None], 3, axis=2)
    grain = np.random.default_rng(seed).standard_normal((96, 96, 1)).astype(np.float32) * noise
    return smooth.copy(), smooth + grain, np.ones((96, 96), np.float32)


@pytest.mark.parametrize("noise", [3.0, 6.0])
def test_a_smooth_face_gets_the_grain_level_of_the_face_it_replaces(noise):
    new, original, alpha = _scene(noise)
    out = add_grain(new, original, alpha, 1.0, np.random.default_rng(1))
    inside = alpha > 0.5
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    target = grain_level(original @ luma, inside)
    assert grain_level(new @ luma, inside) < 0.2 * target  # it was smooth
    assert grain_level(out @ luma, inside) == pytest.approx(target, rel=0.15)
    # luma only: the channels move together, a grey face stays grey
    np.testing.assert_allclose(out[..., 0] - new[..., 0], out[..., 2] - new[..., 2], atol=1e-4)


def test_nothing_is_added_when_the_new_face_is_as_grainy_or_grain_is_off():
    new, original, alpha = _scene(4.0)
    rng = np.random.default_rng(0)
    assert add_grain(original, new, alpha, 1.0, rng) is original  # the original is the smooth one
    assert add_grain(new, original, alpha, 0.0, rng) is new
    tiny = np.zeros_like(alpha)
    tiny[:4, :4] = 1  # too few measured pixels
    assert add_grain(new, original, tiny, 1.0, rng) is new


def test_a_busy_original_is_capped():
    new, original, alpha = _scene(60.0)
    out = add_grain(new, original, alpha, 1.0, np.random.default_rng(2))
    assert np.std(out - new) <= MAX_ADDED * 1.05


def test_paste_with_grain_is_repeatable_and_stays_inside_the_mask(detector, astronaut):
    f = detector.detect(astronaut)[0]
    align_face(astronaut, f, 128, FFHQ)
    face_mask(f, 128, FFHQ)
    flat = np.full_like(f.crop, 128)
    a = paste_crop(astronaut.copy(), flat, f.mask, f.matrix, grain=1.0)
    b = paste_crop(astronaut.copy(), flat, f.mask, f.matrix, grain=1.0)
    plain = paste_crop(astronaut.copy(), flat, f.mask, f.matrix)
    np.testing.assert_array_equal(a, b)
    # the region: what a black or a white crop would change
    dark = paste_crop(astronaut.copy(), np.zeros_like(flat), f.mask, f.matrix)
    light = paste_crop(astronaut.copy(), np.full_like(flat, 255), f.mask, f.matrix)
    region = np.any(dark != astronaut, axis=2) | np.any(light != astronaut, axis=2)
    np.testing.assert_array_equal(a[~region], astronaut[~region])
    assert np.any(a[region] != plain[region])  # the flat face got the astronaut's grain


def test_mask_config_checks_grain():
    assert MaskConfig().grain == 0.0  # opt-in: measured to cost seed diversity
    with pytest.raises(ValueError, match="grain"):
        MaskConfig(grain=-0.1)


def test_grain_goes_only_where_the_crop_is_scaled_up():
    from id2face.face.paste import upscale_share

    def matrix(crop_px_per_photo_px: float) -> np.ndarray:
        return np.array([[crop_px_per_photo_px, 0, 3], [0, crop_px_per_photo_px, -7]], np.float64)

    assert upscale_share(matrix(2.0)) == 0.0  # a small face: the crop is scaled down into the photo
    assert upscale_share(matrix(1.0)) == 0.0
    assert upscale_share(matrix(1 / 1.5)) == pytest.approx(0.5)
    assert upscale_share(matrix(0.25)) == 1.0
