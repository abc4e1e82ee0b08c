"""Faces cut by the photo's edge behind the person photographed: a weak box there whose zoomed look finds a
face past the edge is kept unsure (blurred), and that look passes over the strong face beside it."""

import numpy as np
import pytest

from id2face.face.centerface import Detection
from id2face.face.config import DetectorConfig
from id2face.face.detect import FaceDetector, past_edges
from id2face.face.fuse import Candidate

FACE = np.array([178.0, 83.0, 273.0, 178.0])  # the astronaut's face box (CenterFace's, rounded)


def _cut_right(astronaut: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo cut so `share` of the face's width is past the right edge, and the face's box left in it."""
    x0, y0, x1, y1 = FACE
    c = int(x1 - share * (x1 - x0))
    return np.ascontiguousarray(astronaut[:, :c]), np.array([x0, y0, c, y1])


def _detector(cfg: DetectorConfig, box: np.ndarray, monkeypatch) -> FaceDetector:
    det = FaceDetector(cfg)
    det.candidates = lambda image, faint=True, finer=True: [Candidate(box, 0.15, None, "centerface")]
    monkeypatch.setattr(det._mesh, "refine", lambda image, f, *a, **k: False)  # the zoomed look alone
    return det


def test_a_face_three_quarters_past_the_edge_is_kept_unsure(astronaut, monkeypatch):
    img, box = _cut_right(astronaut, 0.75)
    cfg = DetectorConfig()
    det = _detector(cfg, box, monkeypatch)
    look = det._centerface.zoom(img, box)
    assert cfg.cut_zoom_sure <= look.score < cfg.zoom_sure and past_edges(look.box, img.shape) == 1
    kept = det.detect(img)
    det.close()
    assert len(kept) == 1 and kept[0].unsure
    off = _detector(DetectorConfig(cut_zoom_sure=1.0), box, monkeypatch)
    assert off.detect(img) == []
    off.close()


def test_a_weak_look_inside_the_photo_does_not_keep_a_box(astronaut, monkeypatch):
    """The same weak look on a face wholly inside (the rule is for faces cut by the edge only)."""
    img, box = _cut_right(astronaut, 0.75)
    inside = np.zeros((img.shape[0], img.shape[1] + 120, 3), np.uint8)
    inside[:, : img.shape[1]] = img  # the sliver, now beside a black band instead of the edge
    det = _detector(DetectorConfig(), box, monkeypatch)
    look = det._centerface.zoom(inside, box)
    assert look is None or look.score < det.config.zoom_sure or past_edges(look.box, inside.shape) == 0
    kept = det.detect(inside)
    det.close()
    assert all(not f.unsure for f in kept)  # nothing kept as a cut face
    assert all(past_edges(f.box, inside.shape) == 0 for f in kept)


def _looks(*found: tuple[float, list[float]]):
    return lambda image, box, *a, **k: [Detection(np.array(b, float), s, np.zeros((5, 2))) for s, b in found]


def test_the_second_look_passes_over_faces_kept(monkeypatch):
    det = FaceDetector(DetectorConfig(mediapipe=False, mesh=False))
    kept = [np.array([80.0, 60, 250, 240])]
    strong, cut = (0.78, [82, 54, 222, 239]), (0.32, [201, 30, 308, 204])
    monkeypatch.setattr(det._centerface, "looks", _looks(strong, cut))
    look, again = det._second_look(np.zeros((250, 250, 3), np.uint8), np.zeros(4), kept, 0.5)
    assert look.score == pytest.approx(0.32) and again  # the kept face is passed over; only it was sure
    monkeypatch.setattr(det._centerface, "looks", _looks(strong))
    assert det._second_look(np.zeros((250, 250, 3), np.uint8), np.zeros(4), kept, 0.5) == (None, True)
    monkeypatch.setattr(det._centerface, "looks", _looks((0.6, [0, 0, 40, 40]), strong))
    look, again = det._second_look(np.zeros((250, 250, 3), np.uint8), np.zeros(4), kept, 0.5)
    assert look.score == pytest.approx(0.6) and not again
    det.close()


def test_a_face_cut_by_the_edge_behind_a_person_is_blurred(shared_data):
    """lfw Donald_Rumsfeld_0041: a face cut by the right edge behind the man in the middle. Its weak box's
    zoomed look found the middle face first (0.78) and the box was dropped as a second box on it; past it,
    the look finds the cut face (0.32, reaching past the edge): kept, unsure."""
    from id2face.face.orient import detect_any_orientation
    from id2face.io.images import load_photo

    photo = load_photo(shared_data / "lfw/Donald_Rumsfeld/Donald_Rumsfeld_0041.jpg")[0]
    det = FaceDetector()
    faces = detect_any_orientation(det, photo)
    det.close()
    assert sorted(f.unsure for f in faces) == [False, False, True]
    cut = next(f for f in faces if f.unsure)
    assert cut.box[2] > 220 and cut.box[1] < 30  # top right, beside the edge
