"""Unsure boxes are checked within a budget: bounded on a texture (no sure face), and growing with
the sure faces of a crowd, so a group photo's small unsure faces are not dropped unchecked."""

from __future__ import annotations

import numpy as np
import pytest

from id2face.face.config import DetectorConfig
from id2face.face.detect import FaceDetector
from id2face.face.fuse import Candidate


def _crowd(sure: int, unsure: int) -> list[Candidate]:
    """Candidates on a grid, far apart: `sure` confident CenterFace boxes, then `unsure` weak ones."""
    out = []
    for k in range(sure + unsure):
        x, y = 60.0 * (k % 10), 60.0 * (k // 10)
        score = 0.9 if k < sure else 0.2
        out.append(Candidate(np.array([x, y, x + 30, y + 30]), score, None, "centerface"))
    return out


@pytest.mark.parametrize(("sure", "unsure", "per_face"), [(0, 30, 1.0), (10, 30, 1.0), (10, 30, 0.0)])
def test_unsure_checks_grow_with_the_sure_faces(monkeypatch, sure, unsure, per_face):
    cfg = DetectorConfig(max_checks=5, checks_per_sure_face=per_face, faint=False, mesh_retry_contexts=())
    det = FaceDetector(cfg)
    checked = []
    monkeypatch.setattr(det, "candidates", lambda image, faint=True, finer=True: _crowd(sure, unsure))
    confirm = lambda image, f, *a, **k: checked.append(f.score) or f.score < 0.5  # noqa: E731
    monkeypatch.setattr(det._mesh, "refine", confirm)
    monkeypatch.setattr(det._centerface, "looks", lambda image, box, *a, **k: [])
    faces = det.detect(np.zeros((600, 600, 3), np.uint8))
    budget = 5 + int(per_face * sure)
    assert sum(s < 0.5 for s in checked) == budget  # unsure boxes checked: the budget, no more
    assert len(faces) == sure + budget  # the sure ones stand; each checked unsure one confirmed here
