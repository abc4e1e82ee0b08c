"""data.tone_balance: training pairs drawn with dark-skinned people's faces more often (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_training import tiny_config, write_synthetic_dataset

from id2face.face.skin import CHEEK_VERTICES, cheek_lightness
from id2face.training import tone_balance as tb
from id2face.training.config import DataConfig
from id2face.training.data import FaceDataset
from id2face.training.trainer import train


def test_no_balance_is_the_uniform_draw_and_full_balance_evens_the_bins():
    tone = np.array([35.0] * 2 + [55.0] * 8 + [65.0] * 90)
    assert np.allclose(tb.anchor_weights(tone, 0.0, 8.0), 1 / 100)
    w = tb.anchor_weights(tone, 1.0, 1000.0)
    shares = [w[tone == t].sum() for t in (35.0, 55.0, 65.0)]
    assert np.allclose(shares, 1 / 3)  # every bin the same share
    capped = tb.anchor_weights(tone, 1.0, 8.0)
    assert capped.max() / capped.min() == pytest.approx(8.0) and capped.sum() == pytest.approx(1.0)
    assert tb.dark_share(capped, tone) == pytest.approx(2 * 8 / (2 * 8 + 8 * 8 + 90))
    with pytest.raises(ValueError, match="balance >= 0 and cap >= 1"):
        tb.anchor_weights(tone, -1.0, 8.0)


def test_a_face_takes_its_persons_mean_tone_and_a_person_without_cheeks_the_median():
    crops = np.zeros((5, 32, 32, 3), np.uint8)
    crops[:2], crops[2:4], crops[4] = 40, 200, 120  # person 0 dark, person 1 light, person 2 unreadable
    mesh = np.full((5, 478, 2), 16.0)
    mesh[4, list(CHEEK_VERTICES)] = 999.0
    lightness = np.array([cheek_lightness(c, m) for c, m in zip(crops, mesh, strict=True)])
    tone = tb.person_tone(lightness, np.array([0, 0, 1, 1, 2]))
    assert tone[0] == tone[1] < 30 and tone[2] == tone[3] > 75
    assert tone[4] == pytest.approx(np.median([tone[0], tone[2]]))
    with pytest.raises(ValueError, match="cheeks inside the crop"):
        tb.person_tone(lightness[4:], np.array([2]))


def test_weighted_pairs_follow_the_weights_and_stay_one_person(tmp_path):
    ds = FaceDataset([write_synthetic_dataset(tmp_path / "d", identities=4, per_identity=3)], "train")
    w = torch.zeros(len(ds.pairable), dtype=torch.float64)
    w[ds.identity[ds.pairable] == 2] = 1.0  # every anchor from person 2
    ds.anchor_weights = w / w.sum()
    a, b = ds.sample_pairs(200, torch.Generator().manual_seed(0))
    assert set(ds.identity[a].tolist()) == {2} and torch.equal(ds.identity[a], ds.identity[b])
    assert bool((a != b).all())
    assert set(ds.identity[ds.anchors(50, torch.Generator().manual_seed(1))].tolist()) == {2}


def test_training_with_tone_balance_says_what_it_drew(tmp_path, capsys):
    data = write_synthetic_dataset(tmp_path / "d", identities=4, per_identity=3)
    cfg = tiny_config(data, tmp_path / "run", max_steps=1)
    cfg.data.tone_balance = 0.5
    train(cfg, progress=False)
    assert "tone balance 0.5 (cap 8): draws of people with cheek L* < 50" in capsys.readouterr().out
    with pytest.raises(ValueError, match="data.tone_balance"):
        DataConfig(tone_balance=-0.5)
