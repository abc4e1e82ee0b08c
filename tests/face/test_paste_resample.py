"""How a crop is scaled into the photo: no pixel grid on enlarged faces; shrunk ones as before."""

import cv2
import numpy as np
import pytest

from id2face.face.config import RESAMPLES, MaskConfig
from id2face.face.paste import paste_crop, warp_crop

SIZE = 64


def similarity(scale: float, shift: tuple[float, float]) -> np.ndarray:
    """crop -> photo: photo = scale * crop + shift."""
    return np.array([[scale, 0.0, shift[0]], [0.0, scale, shift[1]]])


def shading(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A smooth, curved picture in crop pixels (a face's shading, a few pixels per wave at 128 px)."""
    return 127 + 100 * np.sin(2 * np.pi * x / 7 + 0.8) * np.cos(2 * np.pi * y / 9 - 0.3)


def smooth_crop() -> np.ndarray:
    """Bilinear interpolation bends this picture at every crop pixel; a cubic kernel follows it."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    return np.repeat(shading(x, y)[..., None], 3, axis=2).astype(np.float32)


def truth(scale: float, roi: int) -> np.ndarray:
    yy, xx = np.mgrid[0:roi, 0:roi] / scale
    return shading(xx, yy)


@pytest.mark.parametrize("resample", ["cubic", "lanczos"])
def test_an_enlarged_crop_follows_the_picture_closer_than_bilinear(resample):
    scale, roi = 5.0, 5 * (SIZE - 4)
    crop, m = smooth_crop(), similarity(scale, (0, 0))
    inner = (slice(10, roi - 10), slice(10, roi - 10))
    warped = {r: warp_crop(crop, m, (roi, roi), r)[..., 0] for r in ("linear", resample)}
    err = {r: np.abs(w - truth(scale, roi))[inner] for r, w in warped.items()}
    assert err[resample].mean() < 0.6 * err["linear"].mean(), {k: float(v.mean()) for k, v in err.items()}


@pytest.mark.parametrize("resample", RESAMPLES)
def test_a_shrunk_crop_keeps_the_plain_bilinear_warp(resample):
    """Area-averaging a shrunk crop was measured to hand the recognizers 9-px faces: every mode shrinks the
    way the paste always did."""
    crop = smooth_crop()
    m = similarity(0.23, (3.3, 2.7))
    plain = cv2.warpAffine(crop, m, (20, 20), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert np.array_equal(warp_crop(crop, m, (20, 20), resample), plain)


@pytest.mark.parametrize("scale", [0.2, 0.45, 0.9, 3.0])
def test_every_mode_puts_the_crop_in_the_same_place(scale):
    """The shrink-first path keeps the geometry: a bright square lands where the plain warp puts it."""
    crop = np.zeros((128, 128, 3), np.uint8)
    crop[40:72, 56:88] = 255
    m = similarity(scale, (5.4, 7.1))
    roi = int(128 * scale) + 12
    centres = []
    for r in RESAMPLES:
        w = warp_crop(crop, m, (roi, roi), r)[..., 0].astype(np.float64)
        yy, xx = np.mgrid[0:roi, 0:roi]
        centres.append(((w * xx).sum() / w.sum(), (w * yy).sum() / w.sum()))
    for c in centres:
        assert np.allclose(c, centres[-1], atol=0.25), centres
    # the square covers crop pixels 56-87 (x) and 40-71 (y): its centre is crop (71.5, 55.5)
    assert np.allclose(centres[-1], (71.5 * scale + 5.4, 55.5 * scale + 7.1), atol=0.3)


def test_paste_crop_uses_the_chosen_resampling_and_keeps_pixels_outside_the_mask():
    photo = np.full((200, 200, 3), 90, np.uint8)
    crop = smooth_crop().astype(np.uint8)
    mask = np.zeros((SIZE, SIZE), np.float32)
    mask[8:-8, 8:-8] = 1.0
    to_crop = similarity(1 / 2.5, (-10, -12))  # photo -> crop: the crop enlarged 2.5x at (25, 30)
    outs = {r: paste_crop(photo.copy(), crop, mask, to_crop, resample=r) for r in ("linear", "cubic")}
    assert not np.array_equal(outs["linear"], outs["cubic"])
    for out in outs.values():
        assert (out[:40] == 90).all() and (out[:, :40] == 90).all()  # outside the mask: untouched


def test_an_unknown_resampling_is_refused():
    assert MaskConfig().resample == "cubic"
    with pytest.raises(ValueError, match="resample"):
        MaskConfig(resample="nearest")
