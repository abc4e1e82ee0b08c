"""`faces detected` over the faces drawn: the front-end blurs the faces it is unsure of (a bystander cut by
the edge, a weak box) rather than give them a new face, and a detector may well not find a blur again; the
report shows the rate over the faces the method was to draw beside the rate over all faces."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_eval import photo_record

from id2face.evaluation.aggregate import utility_figures
from id2face.evaluation.records import PhotoRecord


def _photo(detected, unsure=None) -> tuple[PhotoRecord, PhotoRecord]:
    n = len(detected)
    boxes = [[10.0 * k, 0, 10.0 * k + 8, 8] for k in range(n)]
    orig = photo_record(boxes, np.zeros((n, 2)))
    orig.unsure = None if unsure is None else np.asarray(unsure, bool)
    return orig, photo_record(boxes, np.zeros((n, 2)), detected)


def test_the_rate_over_faces_drawn_leaves_out_the_front_ends_blurs():
    (o1, r1), (o2, r2) = _photo([True, False, True], [False, True, False]), _photo([False, True], [0, 0])
    u = utility_figures([o1, o2], [r1, r2], [(100, 100, 3)] * 2)
    assert u["faces_detected"] == pytest.approx(3 / 5)
    assert u["faces_detected_drawn"] == pytest.approx(3 / 4)  # the blurred bystander left out


def test_records_cached_before_the_flag_count_every_face_as_drawn(tmp_path):
    orig, run = _photo([True, False])
    u = utility_figures([orig], [run], [(100, 100, 3)])
    assert u["faces_detected_drawn"] == u["faces_detected"] == 0.5
    orig.save(tmp_path / "old.npz")
    assert PhotoRecord.load(tmp_path / "old.npz").unsure is None
    orig.unsure = np.array([True, False])
    orig.save(tmp_path / "new.npz")
    np.testing.assert_array_equal(PhotoRecord.load(tmp_path / "new.npz").unsure, [True, False])
