"""Gender kept and age change: the metric, the runner's records, and cached runs measured again."""

from __future__ import annotations

import numpy as np
import pytest

from id2face.evaluation.config import Variant
from id2face.evaluation.metrics.attributes import ATTRIBUTES, attribute_figures


def test_gender_kept_and_age_change_count_only_the_faces_still_detected():
    original = np.array([[0.9, 30.0], [0.1, 20.0], [0.8, 60.0], [0.2, 40.0]])
    result = np.array([[0.7, 36.0], [0.6, 22.0], [0.0, 0.0], [0.3, 30.0]])  # row 2: not detected (zeros)
    got = attribute_figures(original, result, np.array([True, True, False, True]))
    assert got["gender_kept"] == pytest.approx(2 / 3)
    assert got["age_change_years"] == pytest.approx(6.0)  # median of 6, 2, 10
    none = attribute_figures(original, result, np.zeros(4, bool))
    assert np.isnan(none["gender_kept"]) and np.isnan(none["age_change_years"])
    unjudged = attribute_figures(np.full((2, 2), np.nan), result[:2], np.ones(2, bool))
    assert np.isnan(unjudged["gender_kept"])


class JudgingVerifier:
    """A recognizer that also judges gender and age (as faceres does): p(male) from the red channel."""

    name = "judge"
    metric = "cosine"
    threshold = 0.5

    def __init__(self):
        self.calls = 0

    def describe(self, image, faces):
        self.calls += 1
        rows = []
        for f in faces:
            x0, y0, x1, y1 = (int(v) for v in f.box)
            red = float(image[max(y0, 0):y1, max(x0, 0):x1, 0].mean()) / 255
            rows.append([red, 100 * red])
        attrs = np.array(rows, np.float32).reshape(-1, 2)
        return np.repeat(attrs[:, :1], 4, 1) + 1.0, attrs

    def embed(self, image, faces):
        return self.describe(image, faces)[0]


def test_the_runner_keeps_the_judged_look_and_measures_old_runs_again(astronaut_runner, astronaut):
    from id2face.evaluation.aggregate import utility_figures
    from id2face.evaluation.runner import REFERENCE, PhotoRecord

    judge = JudgingVerifier()
    runner = astronaut_runner([judge])
    originals = runner.originals()
    assert originals[0].embeddings[ATTRIBUTES].shape == (1, 2) and "judge" in originals[0].embeddings
    v = REFERENCE  # the untouched photo: the face is still there, judged as it was
    run = runner.run(v, 0, originals)
    figures = utility_figures(originals, run, [astronaut.shape])
    assert figures["gender_kept"] == 1.0 and figures["age_change_years"] < 1.0
    # a run cached before the judge existed: its record is measured again on its saved result, not made again
    (f,) = runner.run_dir(v, 0).glob("*.npz")
    old = PhotoRecord.load(f)
    del old.embeddings[ATTRIBUTES]
    old.seconds = 123.0
    old.save(f)
    calls = judge.calls
    again = runner.run(v, 0, originals)
    assert judge.calls == calls + 1 and ATTRIBUTES in again[0].embeddings and again[0].seconds == 123.0
    assert runner.run(v, 0, originals)[0].seconds == 123.0 and judge.calls == calls + 1  # now read as it is


def test_without_a_judge_the_figures_are_not_measured(astronaut_runner, astronaut):
    from id2face.evaluation.aggregate import utility_figures

    runner = astronaut_runner([])
    originals = runner.originals()
    figures = utility_figures(originals, runner.run(Variant.parse("blur"), 0, originals), [astronaut.shape])
    assert np.isnan(figures["gender_kept"]) and ATTRIBUTES not in originals[0].embeddings
