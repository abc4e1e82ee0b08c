"""Phone and modern formats (AVIF, HEIC) are read and written; formats that are not read say so."""

import numpy as np
import pytest
from PIL import Image

import id2face.io.heif as heif
from id2face.io.animation import frame_count
from id2face.io.images import MediaError, is_image, is_photo_name, load_image, save_image


def _photo() -> np.ndarray:
    img = np.zeros((64, 96, 3), np.uint8)
    img[16:48, 24:72] = (200, 120, 60)
    return img


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # a camera make: must not reach the output
    return exif


def test_avif_round_trip_without_metadata(tmp_path):
    Image.fromarray(_photo()).save(tmp_path / "in.avif", quality=95, exif=_exif())
    img = load_image(tmp_path / "in.avif")
    assert img.shape == (64, 96, 3) and np.abs(img.astype(int) - _photo()).mean() < 4
    save_image(img, tmp_path / "out.avif")
    with Image.open(tmp_path / "out.avif") as im:
        assert im.format == "AVIF" and not im.getexif()
    assert b"SecretCam" not in (tmp_path / "out.avif").read_bytes()


def test_heic_round_trip_without_metadata(tmp_path):
    pytest.importorskip("pillow_heif", reason="HEIC needs the optional pillow-heif (the test extra has it)")
    assert heif.heif_ready()
    Image.fromarray(_photo()).save(tmp_path / "in.heic", quality=95, exif=_exif())
    assert is_image(tmp_path / "in.heic") and frame_count(tmp_path / "in.heic") == 1
    img = load_image(tmp_path / "in.heic")
    assert img.shape == (64, 96, 3) and np.abs(img.astype(int) - _photo()).mean() < 6
    save_image(img, tmp_path / "out.heic")
    assert b"SecretCam" not in (tmp_path / "out.heic").read_bytes()
    assert np.abs(load_image(tmp_path / "out.heic").astype(int) - _photo()).mean() < 8


def test_heic_without_pillow_heif_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr("id2face.io.images.heif_ready", lambda: False)
    (tmp_path / "phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    with pytest.raises(MediaError, match="need the pillow-heif package: pip install pillow-heif"):
        load_image(tmp_path / "phone.heic")
    with pytest.raises(MediaError, match="pillow-heif"):
        save_image(_photo(), tmp_path / "out.heic")
    assert not (tmp_path / "out.heic").exists()


@pytest.mark.parametrize(("name", "kind"), [("IMG_0001.CR2", "camera RAW"), ("a.dng", "camera RAW"),
                                            ("b.jxl", "JPEG XL")])
def test_formats_not_read_are_listed_and_fail_with_one_line(tmp_path, name, kind):
    path = tmp_path / name
    path.write_bytes(b"II*\x00" + bytes(64))  # TIFF-like, as a DNG is: PIL must not read its preview
    assert is_photo_name(path) and not is_image(path)  # a folder lists it; eval and training do not
    with pytest.raises(MediaError, match=f"{kind} photos are not read here; export it as JPEG, PNG or TIFF"):
        load_image(path)
