"""Issue 11: the FID floor (real half vs real half), the half-split FID and the ratios a report reads off."""

from __future__ import annotations

import math

import numpy as np
import pytest

from id2face.evaluation import fid_floor as ff
from id2face.evaluation.aggregate import quality_figures
from id2face.evaluation.metrics.fid import frechet_distance
from id2face.evaluation.runner import PhotoRecord


def _features(n: int = 120, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


@pytest.mark.parametrize("n", [0, 1, 7, 120])
def test_halves_are_disjoint_cover_every_crop_and_are_deterministic(n):
    a, b = ff.split_halves(n)
    assert set(a.tolist()).isdisjoint(b.tolist())
    assert sorted(a.tolist() + b.tolist()) == list(range(n))
    assert (len(a), len(b)) == ((n + 1) // 2, n // 2)
    a2, b2 = ff.split_halves(n)
    assert np.array_equal(a, a2) and np.array_equal(b, b2)


def test_halves_are_shuffled_not_first_and_second_half_nor_plain_even_odd():
    a, b = ff.split_halves(40)
    assert not np.array_equal(a, np.arange(20)) and not np.array_equal(a, np.arange(0, 40, 2))
    assert not np.array_equal(a, ff.split_halves(40, seed=1)[0])


def test_floor_is_the_fid_of_the_two_halves_and_says_their_sizes():
    f = _features(121)
    floor = ff.fid_floor(f)
    a, b = ff.split_halves(121)
    assert floor["fid"] == pytest.approx(frechet_distance(f[a], f[b]), rel=1e-12)
    assert (floor["half_a"], floor["half_b"], floor["crops"], floor["split_seed"]) == (61, 60, 121, 0)
    # two samples of one distribution: small but not zero (a split with overlap or a set against itself is 0)
    assert 0 < floor["fid"] < 1.0
    assert frechet_distance(f, f) == pytest.approx(0.0, abs=1e-6)


def test_floor_compares_disjoint_rows(monkeypatch):
    """Each row of the features is its index: the two sets passed to the distance share no row."""
    seen = []
    monkeypatch.setattr(ff, "_fid", lambda x, y: seen.append((x[:, 0], y[:, 0])) or 0.0)
    ff.fid_floor(np.arange(30, dtype=np.float64)[:, None].repeat(3, 1))
    x, y = seen[0]
    assert set(x.tolist()).isdisjoint(y.tolist()) and len(x) + len(y) == 30


def test_floor_of_too_few_crops_is_nan_not_an_error():
    floor = ff.fid_floor(_features(3))
    assert math.isnan(floor["fid"]) and (floor["half_a"], floor["half_b"]) == (2, 1)


def test_half_fid_is_real_half_a_against_fakes_of_half_b():
    real = _features(100)
    assert ff.half_fid(real, real.copy()) == pytest.approx(ff.fid_floor(real)["fid"], rel=1e-12)
    fake = real + np.array([3.0, 0, 0, 0])  # every fake shifted by 3 along one axis
    a, b = ff.split_halves(100)
    assert ff.half_fid(real, fake) == pytest.approx(frechet_distance(real[a], fake[b]), rel=1e-12)
    assert ff.half_fid(real, fake) > 8.0  # about 9 (the shift squared) plus the floor's noise
    with pytest.raises(ValueError):
        ff.half_fid(real, fake[:-1])


def test_ratios_to_the_floor_and_to_pixelate():
    methods = {
        "none": {"quality": {"fid": float("nan"), "fid_half": float("nan")}},
        "pixelate": {"quality": {"fid": 100.0, "fid_half": 120.0}},
        "id2face": {"quality": {"fid": 40.0, "fid_half": 45.0}},
        "mask": {"identity": {}},  # no quality: left alone
    }
    ff.add_fid_ratios(methods, floor=20.0)
    q = methods["id2face"]["quality"]
    assert q["fid_over_floor"] == 2.0 and q["fid_over_pixelate"] == 0.4 and q["fid_half_over_floor"] == 2.25
    assert methods["pixelate"]["quality"]["fid_over_pixelate"] == 1.0
    assert math.isnan(methods["none"]["quality"]["fid_over_floor"])
    assert "quality" not in methods["mask"]
    without = {"id2face": {"quality": {"fid": 40.0}}}
    ff.add_fid_ratios(without, floor=float("nan"))
    assert math.isnan(without["id2face"]["quality"]["fid_over_floor"])
    assert math.isnan(without["id2face"]["quality"]["fid_over_pixelate"])  # pixelate was not run


def _records(crops: np.ndarray) -> list[PhotoRecord]:
    return [PhotoRecord(np.zeros((1, 4)), np.ones(1, bool), np.zeros((1, 478, 3)), np.zeros(1, bool), {},
                        c[None]) for c in crops]


def test_quality_figures_reuse_the_original_features_and_add_the_half_split_fid():
    rng = np.random.default_rng(3)
    crops_o = rng.integers(0, 255, (12, 8, 8, 3), dtype=np.uint8)
    crops_x = np.clip(crops_o.astype(int) + 40, 0, 255).astype(np.uint8)
    calls = []

    def inception(x):  # stand-in features: the mean and std of each colour channel
        calls.append(len(x))
        x = x.reshape(len(x), -1, 3).astype(np.float64)
        return np.concatenate([x.mean(1), x.std(1)], 1)

    real = inception(crops_o)
    calls.clear()
    q = quality_figures(_records(crops_o), _records(crops_x), inception, real_features=real)
    assert calls == [12]  # only the anonymized crops: the originals' features were passed in
    fake = inception(crops_x)
    assert q["fid"] == pytest.approx(frechet_distance(real, fake), rel=1e-9)
    assert q["fid_half"] == pytest.approx(ff.half_fid(real, fake), rel=1e-9)
    assert math.isnan(quality_figures(_records(crops_o), _records(crops_x))["fid_half"])  # FID off
