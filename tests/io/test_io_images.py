import io
import os

import numpy as np
import pytest
from PIL import Image

from id2face.io.images import MediaError, load_image, save_image


def _jpeg_with_exif(path, arr, orientation=None):
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    if orientation:
        exif[0x0112] = orientation
    im.save(path, exif=exif.tobytes())


def test_exif_orientation_is_applied(tmp_path):
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:, :20] = 255  # left half white
    _jpeg_with_exif(tmp_path / "o.jpg", arr, orientation=6)  # rotate 90 CW on display
    out = load_image(tmp_path / "o.jpg")
    assert out.shape == (40, 20, 3)
    assert out[:20].mean() > 200 and out[20:].mean() < 50


def test_saved_files_carry_no_metadata(tmp_path, astronaut):
    _jpeg_with_exif(tmp_path / "in.jpg", astronaut)
    assert Image.open(tmp_path / "in.jpg").getexif()
    for ext in ("jpg", "png", "webp", "tiff"):
        save_image(load_image(tmp_path / "in.jpg"), tmp_path / f"out.{ext}")
        with Image.open(tmp_path / f"out.{ext}") as im:
            exif = im.getexif()  # TIFF keeps its structural tags; no camera or GPS tags anywhere
            assert 0x010F not in exif and 0x8825 not in exif and 0x0112 not in exif, ext
            assert ext == "tiff" or not exif, ext
            assert "icc_profile" not in im.info and "xmp" not in im.info and "exif" not in im.info
        assert b"SecretCam" not in (tmp_path / f"out.{ext}").read_bytes()


@pytest.mark.parametrize("mode", ["L", "LA", "P", "RGBA", "CMYK", "I;16", "1", "I", "F"])
def test_odd_modes_become_rgb(tmp_path, mode):
    base = Image.fromarray(np.random.default_rng(0).integers(0, 255, (16, 24, 3), dtype=np.uint8))
    im = base.convert(mode) if mode not in ("I;16", "I", "F") else base.convert("L").convert(mode)
    path = tmp_path / ("x.tiff" if mode in ("CMYK", "I;16", "I", "F") else "x.png")
    im.save(path)
    out = load_image(path)
    assert out.shape == (16, 24, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"),
    (b"this is not an image at all", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|corrupt"),
])
def test_bad_files_give_one_clear_error(tmp_path, content, needle):
    p = tmp_path / "bad.png"
    p.write_bytes(content)
    with pytest.raises(MediaError, match=needle) as e:
        load_image(p)
    assert "bad.png" in str(e.value) and "\n" not in str(e.value)


def test_truncated_jpeg_is_refused(tmp_path, astronaut):
    buf = io.BytesIO()
    Image.fromarray(astronaut).save(buf, "JPEG")
    (tmp_path / "t.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(MediaError, match="t.jpg"):
        load_image(tmp_path / "t.jpg")


def test_decompression_bomb_is_refused_cheaply(tmp_path):
    Image.new("1", (20000, 20000)).save(tmp_path / "bomb.png")  # tiny file, 400 MP
    assert os.path.getsize(tmp_path / "bomb.png") < 200_000
    with pytest.raises(MediaError, match="limit|too large"):
        load_image(tmp_path / "bomb.png")
    with pytest.raises(MediaError, match="limit"):
        load_image(tmp_path / "bomb.png", max_pixels=1000)


def test_missing_file_and_unknown_output_format(tmp_path):
    with pytest.raises(MediaError, match="cannot read"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(MediaError, match="unsupported output format"):
        save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "x.xyz")


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    save_image(np.zeros((8, 8, 3), np.uint8), tmp_path / "a.png")
    with pytest.raises(Exception):  # noqa: B017 - any failure mid-write
        save_image(np.zeros((8, 8, 7), np.uint8), tmp_path / "a.png")
    assert load_image(tmp_path / "a.png").shape == (8, 8, 3)  # old file intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_loaded_arrays_are_writable(tmp_path, astronaut):
    save_image(astronaut, tmp_path / "a.jpg")
    img = load_image(tmp_path / "a.jpg")
    img[0, 0] = 1  # callers paste into what they loaded
    assert img.flags.writeable


def test_outputs_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "p.png")
    finally:
        os.umask(old)
    assert (tmp_path / "p.png").stat().st_mode & 0o777 == 0o644
