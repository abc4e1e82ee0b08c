"""16-bit PNG and TIFF photos keep their 16 bits outside the replaced faces, and carry no metadata."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from id2face.io.deep import merge_deep, read_deep, save_photo
from id2face.io.images import load_photo


def _deep_portrait(astronaut: np.ndarray) -> np.ndarray:
    """The sample portrait in 16 bits: each 8-bit value spread over its 257 steps with fine noise."""
    noise = np.random.default_rng(0).integers(0, 257, astronaut.shape)
    return (astronaut.astype(np.uint16) * 257 + noise).clip(0, 65535).astype(np.uint16)


def _write(path, rgb16: np.ndarray) -> None:
    bgr = cv2.cvtColor(rgb16, cv2.COLOR_RGB2BGR) if rgb16.ndim == 3 else rgb16
    ok, data = cv2.imencode(path.suffix, bgr)
    assert ok
    path.write_bytes(data.tobytes())


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_a_16_bit_photo_is_read_whole_and_written_back_16_bit_outside_the_faces(tmp_path, astronaut,
                                                                                   suffix):
    from id2face.anonymizer import Anonymizer

    deep = _deep_portrait(astronaut)
    src = tmp_path / f"deep{suffix}"
    _write(src, deep)
    assert np.array_equal(read_deep(src), deep)
    dst = tmp_path / "out" / f"deep{suffix}"
    report = Anonymizer(method="blur").anonymize_file(src, dst)
    assert report.faces == 1
    out = cv2.cvtColor(cv2.imread(str(dst), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB)
    assert out.dtype == np.uint16 and out.shape == deep.shape
    same = np.all(out == deep, axis=-1)
    assert same.mean() > 0.8  # the photo around the face: its own 16-bit pixels
    x0, y0, x1, y1 = 190, 100, 260, 170  # inside the face: new pixels, 8 bits scaled (no low bits kept)
    face = out[y0:y1, x0:x1]
    assert not same[y0:y1, x0:x1].any() and np.all(face % 257 == 0)
    assert np.abs(face.astype(float) / 257 - astronaut[y0:y1, x0:x1]).mean() > 5


def test_grey_16_bit_stays_grey_16_bit_and_8_bit_or_jpeg_outputs_are_8_bit(tmp_path, astronaut):
    from id2face.anonymizer import Anonymizer

    grey = cv2.cvtColor(_deep_portrait(astronaut), cv2.COLOR_RGB2GRAY)
    src = tmp_path / "grey.png"
    _write(src, grey)
    anonymizer = Anonymizer(method="blur")
    anonymizer.anonymize_file(src, tmp_path / "grey_out.png")
    out = cv2.imread(str(tmp_path / "grey_out.png"), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16 and out.ndim == 2 and (out == grey).mean() > 0.8
    anonymizer.anonymize_file(src, tmp_path / "grey_out.jpg")  # JPEG holds 8 bits: written as before
    assert cv2.imread(str(tmp_path / "grey_out.jpg"), cv2.IMREAD_UNCHANGED).dtype == np.uint8
    eight = tmp_path / "eight.png"
    Image.fromarray(astronaut).save(eight)
    assert read_deep(eight) is None and read_deep(tmp_path / "grey_out.jpg") is None


def test_a_16_bit_photo_is_turned_upright_by_its_orientation_tag(tmp_path, astronaut):
    grey = cv2.cvtColor(_deep_portrait(astronaut), cv2.COLOR_RGB2GRAY)
    stored = np.ascontiguousarray(grey[:, :300])  # not square: a wrong turn shows in the shape
    src = tmp_path / "turned.png"
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90° clockwise to view
    Image.fromarray(stored).save(src, exif=exif)  # mode I;16
    deep = read_deep(src)
    viewed = load_photo(src)[0]
    assert deep.shape == viewed.shape[:2] == (300, 512)
    assert np.array_equal(deep, np.rot90(stored, -1))
    assert np.abs(deep / 257.0 - viewed[..., 0]).mean() < 1.0


def test_merge_refuses_pixels_of_another_photo_and_closes_gaps_in_the_face(astronaut):
    deep = _deep_portrait(astronaut)
    eight = (deep >> 8).astype(np.uint8)
    new = eight.copy()
    new[100:160, 200:260] = 30
    new[130, 230] = eight[130, 230]  # a new pixel equal to the old one by chance
    out = merge_deep(deep, eight, new)
    face = out[100:160, 200:260].copy()
    assert np.array_equal(out[130, 230], eight[130, 230].astype(np.uint16) * 257)  # the gap: no low bits kept
    face[30, 30] = 30 * 257
    assert np.all(face == 30 * 257)
    assert np.array_equal(out[:90], deep[:90])
    assert merge_deep(deep[::-1].copy(), eight, new) is None  # not the photo the 8 bits came from
    assert merge_deep(deep[:100], eight, new) is None


def test_a_16_bit_output_carries_no_metadata_and_is_written_atomically(tmp_path, astronaut):
    grey = cv2.cvtColor(_deep_portrait(astronaut), cv2.COLOR_RGB2GRAY)
    src = tmp_path / "tagged.png"
    exif = Image.Exif()
    exif[0x013B] = "Jane Doe"  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    Image.fromarray(grey).save(src, exif=exif, dpi=(300, 300))
    with Image.open(src) as im:
        assert im.getexif().get(0x013B) == "Jane Doe"
    eight = load_photo(src)[0]
    dst = tmp_path / "out.png"
    save_photo(eight, eight, src, dst)
    assert np.array_equal(cv2.imread(str(dst), cv2.IMREAD_UNCHANGED), grey)
    with Image.open(dst) as im:
        assert not im.getexif() and "exif" not in im.info and "dpi" not in im.info
    assert b"Jane" not in dst.read_bytes() and not list(tmp_path.glob(".*.part"))


def test_a_16_bit_photo_with_alpha_keeps_it_and_holds_no_colour_where_it_is_0(tmp_path, astronaut):
    deep = _deep_portrait(astronaut)
    alpha = np.full(deep.shape[:2], 65535, np.uint16)
    alpha[:, :100] = 0  # erased to transparent: the colour under it is still the photo
    alpha[:, 100:200] = 20000
    src = tmp_path / "cutout.png"
    ok, data = cv2.imencode(".png", cv2.cvtColor(np.dstack([deep, alpha]), cv2.COLOR_RGBA2BGRA))
    src.write_bytes(data.tobytes())
    assert read_deep(src).shape == (*deep.shape[:2], 4)
    eight, alpha8 = load_photo(src)
    dst = tmp_path / "out.png"
    save_photo(eight, eight, src, dst, alpha=alpha8)
    out = cv2.cvtColor(cv2.imread(str(dst), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    assert out.dtype == np.uint16 and np.array_equal(out[..., 3], alpha)
    assert not out[:, :100, :3].any() and np.array_equal(out[:, 100:, :3], deep[:, 100:])
