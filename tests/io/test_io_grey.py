"""Grey photos stay grey: an 8-bit or 1-bit grey source is written back as one grey channel."""

from __future__ import annotations

import numpy as np
from PIL import Image

from id2face.io.grey import CHROMA, as_grey, grey_source


def test_a_grey_or_1_bit_photo_is_anonymized_and_written_grey(tmp_path, astronaut):
    from id2face.anonymizer import Anonymizer

    anonymizer = Anonymizer(method="blur")
    grey = np.asarray(Image.fromarray(astronaut).convert("L"))
    for mode, suffix in (("L", ".jpg"), ("L", ".png"), ("1", ".png"), ("L", ".tiff")):
        src = tmp_path / f"{mode}{suffix}"
        Image.fromarray(grey).convert(mode).save(src)
        dst = tmp_path / f"{mode}_out{suffix}"
        report = anonymizer.anonymize_file(src, dst)
        assert report.faces == 1
        with Image.open(dst) as out:
            assert out.mode == "L" and not out.info.get("exif")
            pixels = np.asarray(out)
        with Image.open(src) as im:
            before = np.asarray(im.convert("L"))
        changed = pixels.astype(int) - before
        assert np.abs(changed).max() > 40  # the face was blurred
        if suffix == ".png":  # lossless: every pixel outside the face is the source's
            assert (changed == 0).mean() > 0.8


def test_colour_photos_and_coloured_outputs_stay_rgb(tmp_path, astronaut):
    from id2face.anonymizer import Anonymizer

    src = tmp_path / "colour.png"
    Image.fromarray(astronaut).save(src)
    Anonymizer(method="blur").anonymize_file(src, tmp_path / "out.png")
    with Image.open(tmp_path / "out.png") as out:
        assert out.mode == "RGB"
    assert grey_source(src) is False and grey_source(tmp_path / "missing.png") is False
    grey_rgb = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    np.testing.assert_array_equal(as_grey(grey_rgb), np.arange(256)[None, :])  # equal channels: their value
    tinted = grey_rgb.copy()
    tinted[0, 10, 0] += CHROMA + 1
    assert as_grey(tinted) is None  # a method that drew colour keeps it
