"""Skin tone: cheek lightness from a face mesh in the runner's crops, and the figures the report shows."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from id2face.evaluation.metrics.skin_tone import skin_tone_figures, window_lightness
from id2face.face.skin import CHEEK_VERTICES
from id2face.identity.faceres import crop_resize, square_crop_box


def lightness_of(rgb: tuple[int, int, int]) -> float:
    return float(cv2.cvtColor(np.array([[rgb]], np.float32) / 255.0, cv2.COLOR_RGB2LAB)[0, 0, 0])


def photo_with_cheeks(left: tuple[int, int, int], right: tuple[int, int, int]):
    """A 200x200 photo whose left half is `left` and right half `right`, a face box in the middle and a
    mesh whose cheek vertices lie in the left half (all other vertices far off)."""
    img = np.zeros((200, 200, 3), np.uint8)
    img[:, :100], img[:, 100:] = left, right
    box = np.array([60.0, 60.0, 140.0, 140.0])
    mesh = np.full((478, 3), -1000.0)
    mesh[list(CHEEK_VERTICES), 0] = np.linspace(70, 90, len(CHEEK_VERTICES))
    mesh[list(CHEEK_VERTICES), 1] = 100.0
    return img, box, mesh


def test_window_lightness_reads_the_cheeks_of_the_mesh_in_the_crop():
    img, box, mesh = photo_with_cheeks((60, 40, 30), (230, 200, 190))
    crop = crop_resize(img, square_crop_box(box), 128)
    assert window_lightness(crop, mesh, box) == pytest.approx(lightness_of((60, 40, 30)), abs=0.5)
    mesh[:, 0] += 50.0  # the cheeks now on the light half
    assert window_lightness(crop, mesh, box) == pytest.approx(lightness_of((230, 200, 190)), abs=0.5)
    mesh[:, 0] = 5000.0  # off the crop
    assert np.isnan(window_lightness(crop, mesh, box))


def test_skin_tone_figures_use_faces_measured_on_both_sides():
    before = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, np.nan, 55.0])
    after = np.array([30.0, 20.0, 35.0, 40.0, 45.0, 60.0, 70.0, 80.0, 90.0, 50.0, np.nan])
    got = skin_tone_figures(before, after)
    assert got["skin_tone_faces"] == 9
    assert got["skin_tone_change"] == 0.0  # changes 20, 0, 5, 0, 5, 0, 0, 0, 0
    assert got["darkest_fifth_before"] == pytest.approx(15.0)  # the two darkest of nine: 10 and 20
    assert got["darkest_fifth_after"] == pytest.approx(25.0)
    none = skin_tone_figures(before, np.full_like(after, np.nan))
    assert np.isnan(none["skin_tone_change"]) and none["skin_tone_faces"] == 0


def test_the_utility_figures_and_report_show_a_lightened_face(astronaut_runner, astronaut):
    from id2face.evaluation.aggregate import utility_figures
    from id2face.evaluation.report import tables
    from id2face.evaluation.runner import REFERENCE

    runner = astronaut_runner([])
    originals = runner.originals()
    run = runner.run(REFERENCE, 0, originals)
    same = utility_figures(originals, run, [astronaut.shape])
    assert same["skin_tone_faces"] == 1 and same["skin_tone_change"] == 0.0
    assert 20.0 < same["darkest_fifth_before"] == same["darkest_fifth_after"] < 90.0
    run[0].crops = np.clip(run[0].crops.astype(int) + 40, 0, 255).astype(np.uint8)  # the face lit up
    lit = utility_figures(originals, run, [astronaut.shape])
    assert lit["skin_tone_change"] > 5.0 and lit["darkest_fifth_after"] > lit["darkest_fifth_before"] + 5.0
    report = {"methods": {"none": {"utility": lit, "identity": {}, "quality": {"fid": float("nan"),
              "sharpness": 1.0, "sharpness_original": 1.0, "fid_samples": 1}, "diversity": {}}},
              "config": {"recognizers": []}}
    (utility,) = [t for t in tables(report) if t[0].startswith("Utility")]
    row = dict(zip(utility[1], utility[2][0], strict=True))
    assert " → " in row["darkest fifth's L* (originals → results)"]
    assert float(row["skin L* change (median) ↓"]) == pytest.approx(lit["skin_tone_change"], rel=0.01)
