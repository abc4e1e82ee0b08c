"""Halftone and dithered photos are recognised by their dots, smoothed for the detector, and what a method
changes goes back as dots; ordinary photos are left alone."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from id2face.face.screen import FINE_PERIOD, Screen, dots, find_screen, pick_view


def _grey(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("L"))


def _dithered(rgb: np.ndarray) -> np.ndarray:
    return np.repeat((np.asarray(Image.fromarray(_grey(rgb)).convert("1"), np.uint8) * 255)[..., None], 3, 2)


def _halftone(rgb: np.ndarray, period: float, angle: float = 30.0) -> np.ndarray:
    """A clustered-dot screen at an angle other than dots()'s own 45 degrees."""
    grey = _grey(rgb) / 255.0
    y, x = np.mgrid[0:grey.shape[0], 0:grey.shape[1]].astype(np.float64) / period
    t = np.deg2rad(angle)
    u, v = x * np.cos(t) + y * np.sin(t), y * np.cos(t) - x * np.sin(t)
    threshold = (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4 + 0.5
    return np.repeat(np.where(grey > threshold, 255, 0).astype(np.uint8)[..., None], 3, 2)


def _ordinary(astronaut: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    a = astronaut.astype(np.float64)
    yy, xx = np.mgrid[0:256, 0:256]
    disk = np.where((yy - 128) ** 2 + (xx - 128) ** 2 < 80**2, 255, 0).astype(np.uint8)
    return {
        "portrait": astronaut,
        "dark and noisy": np.clip(a * 0.1 + rng.normal(0, 3, a.shape), 0, 255).astype(np.uint8),
        "washed out": np.clip(255 - (255 - a) * 0.1 + rng.normal(0, 3, a.shape), 0, 255).astype(np.uint8),
        "colour noise": rng.integers(0, 256, (256, 256, 3), dtype=np.uint8),
        "black and white shapes": np.repeat(disk[..., None], 3, 2),
        "grey ramp": np.repeat(np.tile(np.linspace(0, 255, 256).astype(np.uint8), (256, 1))[..., None], 3, 2),
        "smaller than a tile": _dithered(astronaut[:40, :40]),
    }


def test_ordinary_photos_are_not_screens(astronaut):
    for name, img in _ordinary(astronaut).items():
        assert find_screen(img) is None, name


@pytest.mark.parametrize("period", [3.0, 5.0, 8.0])
def test_a_halftone_is_found_with_its_period(astronaut, period):
    screen = find_screen(_halftone(astronaut, period))
    assert screen is not None
    assert screen.period == pytest.approx(period, rel=0.15)
    # smoothed: no longer black and white only, and far nearer the photo's own tones than the dots are
    grey = _grey(astronaut).astype(np.float64)
    error = np.abs(_grey(_halftone(astronaut, period)) - grey).mean()
    assert np.abs(_grey(screen.smooth) - grey).mean() < 0.5 * error


def test_an_error_diffused_dither_is_a_fine_screen(astronaut):
    screen = find_screen(_dithered(astronaut))
    assert screen is not None and screen.period < FINE_PERIOD


@pytest.mark.parametrize("period", [1.5, 5.0])
def test_dots_are_black_and_white_and_keep_the_tone(period):
    for level in (40, 128, 200):
        d = dots(np.full((120, 120), level, np.uint8), period)
        assert set(np.unique(d)) <= {0, 255}
        assert d.mean() == pytest.approx(level, abs=0.03 * 255)


def test_restore_puts_back_only_what_changed_as_dots(astronaut):
    original = _halftone(astronaut, 4.0)
    screen = find_screen(original)
    assert screen is not None
    out = screen.smooth.copy()
    out[100:200, 150:300] = 128  # a method's new pixels
    out[150, 200] = screen.smooth[150, 200]  # one of them equal to the smoothed pixel by chance
    result = screen.restore(original, out)
    outside = np.ones(original.shape[:2], bool)
    outside[99:201, 149:301] = False
    assert np.array_equal(result[outside], original[outside])
    inside = result[100:200, 150:300]
    assert set(np.unique(inside)) <= {0, 255} and abs(inside.mean() - 128) < 0.06 * 255
    assert not np.array_equal(inside, original[100:200, 150:300])
    # the lone unchanged pixel inside follows the new dots (the new screen), not the photo's old dot
    expected = dots(np.full((100, 150), 128, np.uint8), screen.period, (100, 150))
    assert result[150, 200, 0] == expected[50, 50]
    assert np.array_equal(screen.restore(original, screen.smooth.copy()), original)  # nothing changed


def test_the_detector_finds_a_dithered_face_only_once_smoothed(astronaut, detector):
    dithered = _dithered(astronaut)
    assert detector.detect(dithered) == []  # why face/screen.py exists
    screen = find_screen(dithered)
    assert isinstance(screen, Screen)
    faces = detector.detect(screen.smooth)
    assert len(faces) == 1 and faces[0].box[0] > 150 and faces[0].box[2] < 300


def test_the_view_with_more_faces_is_worked_on_the_photos_own_on_a_tie(astronaut):
    screen = find_screen(_dithered(astronaut))
    assert screen is not None
    photo = _dithered(astronaut)

    def counting(own: int, smoothed: int):
        return lambda img: ["face"] * (smoothed if img is screen.smooth else own)

    assert pick_view(photo, screen, counting(0, 1)) == (screen, ["face"])
    assert pick_view(photo, screen, counting(1, 1)) == (None, ["face"])
    assert pick_view(photo, screen, counting(2, 1)) == (None, ["face", "face"])
    assert pick_view(photo, None, counting(1, 5)) == (None, ["face"])
