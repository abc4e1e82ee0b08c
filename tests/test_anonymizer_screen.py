"""A halftone or dithered photo: its face is found and replaced, the photo stays black and white dots, and
nothing outside the face changes; ordinary photos take the same path as before."""

from __future__ import annotations

import numpy as np
from PIL import Image

from id2face.anonymizer import Anonymizer
from id2face.face.config import DetectorConfig
from id2face.face.screen import find_screen


def _dithered(rgb: np.ndarray) -> np.ndarray:
    grey = Image.fromarray(rgb).convert("L")
    return np.repeat((np.asarray(grey.convert("1"), np.uint8) * 255)[..., None], 3, 2)


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def test_a_dithered_portrait_is_anonymized_in_dots(astronaut):
    photo = _dithered(astronaut)
    with Anonymizer(method="blur") as anon:
        out, report = anon.anonymize_rgb(photo)
    assert report.faces == 1
    assert set(np.unique(out)) <= {0, 255} and np.all(out[..., :1] == out)
    changed = _changed(out, photo)
    ys, xs = np.nonzero(changed)
    box = report.boxes[0]
    # the change is the face's region, not the page: around the box, and a small share of the photo
    assert box[0] - 0.5 * (box[2] - box[0]) < xs.mean() < box[2] + 0.5 * (box[2] - box[0])
    assert changed.mean() < 0.25
    face = changed[int(box[1]):int(box[3]), int(box[0]):int(box[2])]
    assert face.mean() > 0.3  # the dots of the face itself are new


def test_without_the_smoothing_no_face_is_found_in_dots(astronaut):
    photo = _dithered(astronaut)
    with Anonymizer(method="blur", detector=DetectorConfig(descreen=False)) as anon:
        out, report = anon.anonymize_rgb(photo)
    assert report.faces == 0 and np.array_equal(out, photo)


def test_the_bundled_model_draws_a_face_in_dots(astronaut):
    photo = _dithered(astronaut)
    with Anonymizer(steps=2) as anon:
        out, report = anon.anonymize_rgb(photo)
    assert report.faces == 1 and report.fallbacks == 0
    assert set(np.unique(out)) <= {0, 255}
    box = [int(v) for v in report.boxes[0]]
    assert _changed(out, photo)[box[1]:box[3], box[0]:box[2]].mean() > 0.3


def test_an_ordinary_photo_takes_the_same_path(astronaut):
    outs = []
    for descreen in (True, False):
        with Anonymizer(method="blur", detector=DetectorConfig(descreen=descreen)) as anon:
            outs.append(anon.anonymize_rgb(astronaut)[0])
    assert np.array_equal(outs[0], outs[1])


def test_a_dithered_animation_is_anonymized_frame_by_frame(astronaut, tmp_path):
    frames = [Image.fromarray(_dithered(np.roll(astronaut, 6 * i, axis=1))) for i in range(2)]
    src, dst = tmp_path / "a.gif", tmp_path / "b.gif"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Anonymizer(method="blur") as anon:
        report = anon.anonymize_animation(src, dst)
    assert report.faces == 2
    with Image.open(dst) as out:
        for i, frame in enumerate(frames):
            out.seek(i)
            pixels = np.asarray(out.convert("L"))
            assert set(np.unique(pixels)) <= {0, 255}
            assert 0.005 < (pixels != np.asarray(frame.convert("L"))).mean() < 0.25


def test_a_thresholded_photo_keeps_its_sharp_view_where_that_finds_its_face(astronaut):
    """Black and white without a screen (a threshold): its own edges find the face, so it is not smoothed."""
    grey = np.asarray(Image.fromarray(astronaut).convert("L"))
    photo = np.repeat(np.where(grey > 128, 255, 0).astype(np.uint8)[..., None], 3, 2)
    assert find_screen(photo) is not None  # taken for a print (its flag's stripes, its suit's folds)
    results = []
    for descreen in (True, False):
        with Anonymizer(method="blur", detector=DetectorConfig(descreen=descreen)) as anon:
            results.append(anon.anonymize_rgb(photo))
    (on, report_on), (off, report_off) = results
    assert report_on.faces >= 1 and report_on.boxes == report_off.boxes and np.array_equal(on, off)
