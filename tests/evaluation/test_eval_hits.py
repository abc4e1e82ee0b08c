"""hits.csv: every face a recognizer still re-identifies, with its margin over the next original face;
misses.csv: every face the detector no longer finds."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from id2face.evaluation.hits import FIELDS, MISS_FIELDS, hit_rows, miss_rows, write_hits, write_misses
from id2face.evaluation.runner import PhotoRecord


class _Cosine:
    name, metric = "rec", "cosine"


def _record(embeddings: np.ndarray, widths: list[float], detected: list[bool] | None = None,
            meshed: list[bool] | None = None) -> PhotoRecord:
    n = len(widths)
    boxes = np.array([[10.0, 10.0, 10.0 + w, 10.0 + w] for w in widths])
    seen = np.array(detected if detected is not None else [True] * n)
    return PhotoRecord(boxes, seen, np.zeros((n, 478, 3)), np.array(meshed or [False] * n),
                       {"rec": np.asarray(embeddings, np.float32)}, np.zeros((n, 8, 8, 3), np.uint8))


def test_hits_name_each_re_identified_face_with_its_margin(tmp_path):
    gallery = np.eye(4)  # four originals: two photos of two faces each
    originals = [_record(gallery[:2], [30.0, 250.0]), _record(gallery[2:], [120.0, 80.0])]
    probes = np.array([[0.9, 0.1, 0, 0],   # photo a face 0: own 0.99 vs 0.11: a clear hit
                       [0.6, 0.5, 0, 0],   # a face 1: nearer face 0 of its photo: not a hit
                       [0, 0, 0.51, 0.5],  # b face 0: own wins by a hair
                       [0, 0, 0, 1.0]])    # b face 1: a hit, but no longer detected
    run = [_record(probes[:2], [30.0, 250.0]), _record(probes[2:], [120.0, 80.0], [True, False])]
    rows = hit_rows("id2face", {0: run, 1: run}, originals, ["a", "b"], [_Cosine()])
    assert [(r["seed"], r["photo"], r["face"]) for r in rows] == [(0, "a", 0), (0, "b", 0), (1, "a", 0),
                                                                   (1, "b", 0)]
    first = rows[0]
    assert first["width_px"] == 30.0 and first["variant"] == "id2face" and first["recognizer"] == "rec"
    assert first["own_score"] == pytest.approx(0.9939, abs=1e-4)
    assert first["margin"] == pytest.approx(first["own_score"] - first["next_score"])
    assert 0 < rows[1]["margin"] < 0.02
    path = write_hits(rows, tmp_path / "hits.csv")
    back = list(csv.DictReader(open(path)))
    assert tuple(back[0]) == FIELDS and len(back) == 4
    assert float(back[0]["margin"]) < float(back[-1]["margin"])  # the narrowest wins first
    assert write_hits([], tmp_path / "none.csv").read_text().strip() == ",".join(FIELDS)


def test_misses_name_each_face_no_longer_found(tmp_path):
    originals = [_record(np.eye(3)[:2], [30.0, 250.0], meshed=[True, False]),
                 _record(np.eye(3)[2:], [120.0], meshed=[True])]
    seed0 = [_record(np.eye(3)[:2], [30.0, 250.0], [True, False]), _record(np.eye(3)[2:], [120.0], [False])]
    seed1 = [_record(np.eye(3)[:2], [30.0, 250.0], [True, False]), _record(np.eye(3)[2:], [120.0])]
    rows = miss_rows("id2face", {0: seed0, 1: seed1}, originals, ["a", "b"])
    assert [(r["seed"], r["photo"], r["face"], r["width_px"], r["original_mesh"]) for r in rows] == [
        (0, "a", 1, 250.0, False), (0, "b", 0, 120.0, True), (1, "a", 1, 250.0, False)]
    back = list(csv.DictReader(open(write_misses(rows, tmp_path / "misses.csv"))))
    assert tuple(back[0]) == MISS_FIELDS
    assert [(r["photo"], r["seed"]) for r in back] == [("a", "0"), ("a", "1"), ("b", "0")]
