"""How sure a rate is: photo-bootstrap intervals widened to Wilson's, in report.json and the tables."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from helpers_eval import photo_record

from id2face.evaluation import intervals as iv
from id2face.evaluation import report

DLIB = SimpleNamespace(name="dlib", metric="l2", threshold=0.6)


def test_wilson_matches_its_closed_forms():
    lo, hi = iv.wilson(0, 89)
    z2 = 1.959964 ** 2
    assert lo == 0.0 and hi == pytest.approx(z2 / (89 + z2), rel=1e-5)  # the closed form at zero successes
    lo, hi = iv.wilson(50, 100)
    assert lo + hi == pytest.approx(1.0) and 0.39 < lo < 0.41
    assert all(math.isnan(x) for x in iv.wilson(0, 0))


def test_a_rate_seen_as_zero_still_gets_an_upper_bound():
    photos = np.arange(100)
    lo, hi = iv.rate_interval(np.zeros((100, 2)), photos)
    assert lo == 0.0 and 0.03 < hi < 0.05  # "0 of 100 faces" is not "0 %, surely"


def test_an_empty_bucket_and_a_single_seed_are_answered():
    assert all(math.isnan(x) for x in iv.rate_interval(np.zeros((0, 2)), np.zeros(0, np.int64)))
    lo, hi = iv.rate_interval(np.array([True, False, False, False]), np.array([0, 0, 1, 2]))
    assert lo < 0.25 < hi


def test_hits_crowded_into_few_photos_are_less_sure_than_hits_spread_over_many():
    photos = np.repeat(np.arange(100), 4)  # 100 photos of 4 faces
    spread, crowded = np.zeros((400, 1)), np.zeros((400, 1))
    spread[np.arange(0, 80, 4)] = 1  # 20 hits in 20 photos
    crowded[:20] = 1  # the same 20 hits in 5 photos
    a, b = iv.photo_bootstrap(spread, photos), iv.photo_bootstrap(crowded, photos)
    assert a[0] <= 0.05 <= a[1] and b[0] <= 0.05 <= b[1]
    assert b[1] - b[0] > 1.5 * (a[1] - a[0])


def test_intervals_cover_the_true_rate_about_as_often_as_they_say():
    """Simulated evaluations where a few faces leak in (nearly) every seed, as real leaks do: a binomial
    interval over face x seed pairs would cover the true rate in about 3 of 4 of them."""
    rng = np.random.default_rng(7)
    true_rate = 0.97 * 0.002 + 0.03 * 0.9
    covered, trials = 0, 120
    for _ in range(trials):
        photos = np.repeat(np.arange(150), rng.integers(1, 4, 150))
        risk = rng.choice([0.002, 0.9], len(photos), p=[0.97, 0.03])
        flags = rng.random((len(photos), 4)) < risk[:, None]
        lo, hi = iv.rate_interval(flags, photos)
        covered += lo <= true_rate <= hi
    assert covered / trials >= 0.9


def _runs():
    eye = np.eye(4) * 10
    originals = [photo_record([[0, 0, 50, 50], [0, 0, 150, 150]], eye[:2]),
                 photo_record([[0, 0, 300, 300], [0, 0, 80, 80]], eye[2:])]
    run = [photo_record([[0, 0, 50, 50], [0, 0, 150, 150]], [eye[0] + 0.1, eye[3]]),
           photo_record([[0, 0, 300, 300], [0, 0, 80, 80]], [np.zeros(4), eye[3] + 0.1],
                        detected=[False, True])]
    return originals, {0: run, 1: run}


def test_every_rate_of_a_variant_gets_an_interval_around_its_figure():
    originals, runs = _runs()
    assert iv.photo_of_face(originals).tolist() == [0, 0, 1, 1]
    got = iv.rate_intervals(originals, runs, [DLIB])
    assert got["level"] == 0.95 and got["detected"][0] <= 0.75 <= got["detected"][1] < 1.0 + 1e-12
    dlib = got["dlib"]
    assert set(dlib) == {"all", "<100 px", "100-200 px", ">=200 px"}
    assert dlib["all"][0] <= 0.5 <= dlib["all"][1]  # 2 of 4 faces re-identified in both seeds
    assert dlib["<100 px"][1] == 1.0 and dlib["100-200 px"][0] == 0.0 < dlib["100-200 px"][1]


def test_the_report_prints_the_intervals_and_survives_json(tmp_path):
    originals, runs = _runs()
    method = {"identity": {}, "utility": {}, "quality": {},
              "intervals": iv.rate_intervals(originals, runs, [DLIB])}
    method["intervals"]["dlib"][">=200 px"] = [float("nan"), float("nan")]
    fake = {"config": {"recognizers": ["dlib"]}, "methods": {"id2face": method, "pixelate": {}}}
    report.write_json(fake, tmp_path / "r.json")
    back = json.loads((tmp_path / "r.json").read_text())
    title, head, rows = iv.interval_table(back)
    assert title.startswith("How sure the rates are: 95 % intervals")
    assert head == ["method", "dlib re-id all", "dlib re-id <100 px", "dlib re-id 100-200 px",
                    "dlib re-id >=200 px", "faces detected"]
    assert [r[0] for r in rows] == ["id2face"]  # a variant without intervals gets no row
    assert rows[0][4] == "–" and rows[0][1].endswith(" %") and "–" in rows[0][1]
    assert iv.interval_table({"config": {"recognizers": []}, "methods": {"x": {}}}) is None
