"""The video recall bench: clips that know where their face is in every frame, a tally of face-frames and of
faces left in some frame, and the video front-end (tracks, filled gaps) measured on them."""

from __future__ import annotations

import json

import numpy as np

from id2face.evaluation.detection.backdrops import SCENE_SIZE
from id2face.evaluation.detection.clips import FRAMES, KINDS, clips, compose_clip
from id2face.evaluation.detection.video import VideoTally, measure_clip, video_table


def test_clips_are_deterministic_and_know_their_face_in_every_frame(source):
    w, h = SCENE_SIZE
    a = {c.kind: c for c in clips([source], 1, seed=2)}
    b = {c.kind: c for c in clips([source], 1, seed=2)}
    assert list(a) == list(KINDS)
    for kind, c in a.items():
        assert len(c.frames) == FRAMES and c.boxes.shape == (FRAMES, 4) and c.present.shape == (FRAMES,)
        assert all(np.array_equal(x, y) for x, y in zip(c.frames, b[kind].frames, strict=True))
        assert c.frames[0].shape == (h, w, 3)
    walk = a["walking in from an edge"]
    assert walk.boxes[0, 0] == 0 or walk.boxes[0, 2] == w  # cut by an edge at first
    widths = walk.boxes[:, 2] - walk.boxes[:, 0]
    assert widths[-1] > widths[0]  # then whole in view
    hidden = a["passing behind something"].present
    assert hidden[0] and hidden[-1] and not hidden.all()  # hidden whole for a while: nothing to anonymize
    dark = a["fading to dark and back"].frames
    assert dark[FRAMES // 2].mean() < 0.3 * dark[0].mean()
    small = a["small, compressed stream"].boxes
    assert ((small[:, 2] - small[:, 0]) < 40).all()


def test_the_tally_counts_face_frames_faces_left_and_the_longest_gap():
    t = VideoTally()
    present = np.array([1, 1, 1, 1, 1, 0], bool)
    t.add("k", present, np.array([1, 0, 0, 1, 0, 1], bool), np.array([1, 1, 0, 1, 0, 0], bool))
    t.add("k", present, present, present)
    assert t.face_frames["k"] == 10 and t.detected["k"] == 7 and t.covered["k"] == 8
    assert t.faces["k"] == 2 and t.left["k"] == 1 and t.longest["k"] == 1
    text = video_table(t)
    assert "1 of 2" in text and "all clips" in text


def test_the_tracks_cover_frames_the_detector_missed(source, detector, monkeypatch):
    """A detector that finds the face except in two frames: per frame it misses them, as anonymized the
    track's gap fill covers them; a face the detector never finds is left in every frame."""
    import id2face.face.orient as orient
    from id2face.face.types import Face

    clip = compose_clip([source], "turning 45-75°", np.random.default_rng(1))
    index = iter(range(10_000))

    def fake(det, frame):
        k = next(index) % FRAMES
        b = clip.boxes[k]
        kps = np.array([[0.3, 0.4], [0.7, 0.4], [0.5, 0.6], [0.35, 0.8], [0.65, 0.8]])
        face = Face(box=b.copy(), score=0.9, keypoints5=b[:2] + kps * (b[2:] - b[:2]))
        return [] if k in (10, 11) else [face]

    monkeypatch.setattr(orient, "detect_frame", fake)
    t = VideoTally()
    measure_clip(detector, clip, gap_frames=3, lookahead=8, tally=t)
    kind = clip.kind
    assert t.face_frames[kind] == FRAMES and t.detected[kind] == FRAMES - 2
    assert t.covered[kind] == FRAMES and t.left[kind] == 0 and t.extra_boxes == t.extra_fills == 0
    monkeypatch.setattr(orient, "detect_frame", lambda det, frame: [])
    measure_clip(detector, clip, gap_frames=3, lookahead=8, tally=t)
    assert t.left[kind] == 1 and t.longest[kind] == FRAMES


def test_the_cli_runs_the_video_bench(tmp_path, astronaut):
    from PIL import Image

    from id2face.cli.main import main

    Image.fromarray(astronaut).save(tmp_path / "astronaut.png")
    out = tmp_path / "out"
    args = ["eval", "--detection", "--video", "--clips", "1", "--data", str(tmp_path), "-o", str(out)]
    assert main(args) == 0
    report = json.loads((out / "video.json").read_text())
    assert set(report["face_frames"]) == set(KINDS) and report["frames"] == len(KINDS) * FRAMES
    assert sum(report["covered"].values()) >= 0.8 * sum(report["face_frames"].values())
    assert "as anonymized" in (out / "video.txt").read_text()
