"""Issue 11: top-1 re-identification per face-width bucket (< 100, 100-200, >= 200 px), with each n."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from helpers_eval import photo_record

from id2face.evaluation import reid_by_size as rs
from id2face.evaluation.aggregate import identity_figures

DLIB = SimpleNamespace(name="dlib", metric="l2", threshold=0.6)


def test_widths_go_to_their_buckets_at_the_edges():
    widths = np.array([0, 40, 99.9, 100, 150, 199.99, 200, 900])
    assert rs.size_bucket(widths).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    assert [label for label, _, _ in rs.SIZE_BUCKETS] == ["<100 px", "100-200 px", ">=200 px"]


def test_face_width_is_the_original_box_width_in_photo_pixels():
    recs = [SimpleNamespace(boxes=np.array([[10, 5, 60, 80], [100, 0, 350, 40]])),
            SimpleNamespace(boxes=np.zeros((0, 4))), SimpleNamespace(boxes=np.array([[0, 0, 150, 10]]))]
    assert rs.face_widths(recs).tolist() == [50, 250, 150]


def test_rates_per_bucket_from_known_hits():
    # 25 small faces (5 hit), 10 medium (all hit), 0 large; two seeds: the second hits 10 small ones
    widths = np.array([50.0] * 25 + [120.0] * 10)
    seed0 = np.array([True] * 5 + [False] * 20 + [True] * 10)
    seed1 = np.array([True] * 10 + [False] * 15 + [True] * 10)
    got = rs.bucket_rates([seed0, seed1], widths)
    small, medium, large = got["<100 px"], got["100-200 px"], got[">=200 px"]
    assert small["n"] == 25 and not small["few"] and small["reid_rate"] == pytest.approx(0.3)
    assert small["reid_rate_std"] == pytest.approx(0.1)
    assert medium["n"] == 10 and medium["few"] and medium["reid_rate"] == 1.0
    assert large["n"] == 0 and large["few"] and math.isnan(large["reid_rate"])
    assert (small["min_px"], small["max_px"], large["max_px"]) == (0.0, 100.0, None)
    assert "reid_rate_std" not in rs.bucket_rates([seed0], widths)["<100 px"]


def test_identity_by_size_from_synthetic_matches_and_agrees_with_the_overall_rate():
    eye = np.eye(4) * 10  # four people, far apart
    originals = [photo_record([[0, 0, 50, 50], [0, 0, 150, 150]], eye[:2]),   # small, medium
                 photo_record([[0, 0, 300, 300], [0, 0, 80, 80]], eye[2:])]   # large, small
    # anonymized: the small face of photo 1 still looks like itself (re-identified); the medium one looks
    # like person 3; the large one is no longer detected; the second small one is re-identified
    run = [photo_record([[0, 0, 50, 50], [0, 0, 150, 150]], [eye[0] + 0.1, eye[3]]),
           photo_record([[0, 0, 300, 300], [0, 0, 80, 80]], [np.zeros(4), eye[3] + 0.1],
                        detected=[False, True])]
    got = rs.identity_by_size(originals, {0: run}, [DLIB])["dlib"]
    assert {k: (v["n"], v["reid_rate"]) for k, v in got.items()} == {
        "<100 px": (2, 1.0), "100-200 px": (1, 0.0), ">=200 px": (1, 0.0)}
    overall = identity_figures(originals, run, [DLIB])["dlib"]["reid_rate"]
    assert sum(v["n"] * v["reid_rate"] for v in got.values()) / 4 == pytest.approx(overall)
    # the untouched photos: every bucket 100 %
    same = rs.identity_by_size(originals, {0: originals, 1: originals}, [DLIB])["dlib"]
    assert all(v["reid_rate"] == 1.0 and v["reid_rate_std"] == 0.0 for v in same.values())
