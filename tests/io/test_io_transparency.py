"""Transparency: faces are replaced in the colour the file holds, the alpha comes back, hidden colour goes."""

import io

import numpy as np
import pytest
from PIL import Image

from id2face.io.images import encode_image, load_photo, save_image
from id2face.io.transparency import join, over_white, straight


def _rgba() -> np.ndarray:
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    rgba[:5, :, 3] = 0  # erased to transparent, colour still stored
    rgba[5:10, :, 3] = 255
    rgba[10:, :, 3] = np.maximum(rgba[10:, :, 3], 1)  # partly transparent: its colour shows
    return rgba


def test_over_white_straight_and_join():
    rgba = _rgba()
    seen = over_white(rgba)
    assert (seen[:5] == 255).all() and np.array_equal(seen[5:10], rgba[5:10, :, :3])
    rgb = straight(rgba)
    assert (rgb[:5] == 0).all() and np.array_equal(rgb[5:], rgba[5:, :, :3])
    back = join(rgb, rgba[..., 3])
    assert np.array_equal(back[5:], rgba[5:]) and (back[:5] == 0).all()


@pytest.mark.parametrize("ext", [".png", ".webp", ".tiff", ".gif"])
def test_a_transparent_photo_keeps_its_alpha_and_loses_its_hidden_colour(tmp_path, ext):
    rgba = _rgba()
    src = tmp_path / "in.png"
    Image.fromarray(rgba, "RGBA").save(src)
    rgb, alpha = load_photo(src)
    assert np.array_equal(alpha, rgba[..., 3]) and (rgb[:5] == 0).all()
    assert np.array_equal(rgb[5:], rgba[5:, :, :3])  # the straight colour, not the look over white
    dst = tmp_path / f"out{ext}"
    save_image(rgb, dst, alpha=alpha)
    with Image.open(dst) as im:
        out = np.asarray(im.convert("RGBA"))
    assert np.array_equal(out[..., 3] == 0, rgba[..., 3] == 0)
    hidden = out[:5, :, :3].astype(int)  # what was erased to transparent is gone for good
    assert (hidden == 0).all() if ext != ".webp" else np.abs(hidden - rgba[:5, :, :3]).mean() > 40
    if ext in (".png", ".tiff"):  # lossless: every visible pixel exact
        assert np.array_equal(out[5:], rgba[5:])


def test_a_format_without_alpha_gets_the_look_over_white(tmp_path):
    rgba = _rgba()
    rgb, alpha = straight(rgba), rgba[..., 3]
    save_image(rgb, tmp_path / "out.bmp", alpha=alpha)
    with Image.open(tmp_path / "out.bmp") as im:
        assert im.mode == "RGB" and np.array_equal(np.asarray(im), over_white(join(rgb, alpha)))
    with Image.open(io.BytesIO(encode_image(rgb, "PNG", alpha=alpha))) as im:
        assert im.mode == "RGBA"


def test_an_opaque_photo_has_no_alpha(tmp_path):
    Image.fromarray(np.full((8, 8, 4), 255, np.uint8), "RGBA").save(tmp_path / "opaque.png")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "rgb.png")
    assert load_photo(tmp_path / "opaque.png")[1] is None and load_photo(tmp_path / "rgb.png")[1] is None
