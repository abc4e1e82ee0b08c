"""data.person_cap: no person drawn more often than one with `cap` faces (issue 11: training copies)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers_training import tiny_config, write_synthetic_dataset

from id2face.training import person_cap as pc
from id2face.training.config import DataConfig
from id2face.training.trainer import train


def _shares(weights: np.ndarray, identity: np.ndarray) -> np.ndarray:
    return np.bincount(identity, weights=weights) / weights.sum()


def test_a_person_with_many_photos_is_drawn_as_often_as_one_with_cap():
    identity = np.array([0] * 100 + [1] * 10 + [2] * 5)
    assert np.allclose(_shares(pc.person_cap_weights(identity, 10), identity), [10 / 25, 10 / 25, 5 / 25])
    assert np.allclose(pc.person_cap_weights(identity, 1000), 1 / len(identity))  # above everyone: uniform
    assert pc.top_share(pc.person_cap_weights(identity, 10), identity) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="cap >= 1"):
        pc.person_cap_weights(identity, 0)


def test_the_cap_multiplies_weights_already_set_and_says_what_it_did():
    identity = torch.tensor([0] * 6 + [1] * 2 + [2] * 2 + [3])  # person 3 has no partner
    tone = torch.tensor([1.0] * 6 + [4.0] * 2 + [1.0] * 2, dtype=torch.float64)  # person 1 drawn 4x per face
    ds = SimpleNamespace(identity=identity, pairable=torch.arange(10), anchor_weights=tone / tone.sum())
    line = pc.cap_people(ds, 2)
    shares = _shares(ds.anchor_weights.numpy(), identity[:10].numpy())
    assert np.allclose(shares, np.array([2, 8, 2]) / 12)  # person 0 capped to 2 faces' worth; the tone kept
    assert line == "person cap 2: 1 people above it; the most-drawn person 50.0 % -> 66.7 % of draws"


def test_training_with_a_person_cap_says_what_it_drew(tmp_path, capsys):
    data = write_synthetic_dataset(tmp_path / "d", identities=4, per_identity=3)
    cfg = tiny_config(data, tmp_path / "run", max_steps=1)
    cfg.data.person_cap = 2
    train(cfg, progress=False)
    out = capsys.readouterr().out  # every training person has 3 faces: all above the cap, the draw even
    assert "person cap 2: " in out and "people above it; the most-drawn person 33.3 % -> 33.3 %" in out
    with pytest.raises(ValueError, match="data.person_cap"):
        DataConfig(person_cap=-1)
