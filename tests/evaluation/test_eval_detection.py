import numpy as np
import pytest

from id2face.evaluation.detection import BenchSettings, run_detection_bench, table
from id2face.evaluation.detection.scenes import (
    BESIDE,
    CATEGORIES,
    CROWD_FACES,
    CROWD_SPACING,
    SCENE_SIZE,
    compose,
    face_free_images,
)
from id2face.evaluation.detection.score import matches
from id2face.face.config import DetectorConfig


def test_a_detection_matches_by_overlap_or_by_centres_and_only_once():
    truth = np.array([[100, 100, 200, 220], [400, 100, 450, 160]], np.float64)
    assert matches(truth, [np.array([95, 90, 210, 230])], (640, 480)) == 1
    # A much larger box (another detector's margins) around the face still covers it.
    assert matches(truth[:1], [np.array([60, 40, 260, 300])], (640, 480)) == 1
    assert matches(truth[:1], [np.array([300, 300, 340, 340])], (640, 480)) == 0
    # Boxes reaching past the frame are clipped before matching (faces cut by the edge).
    assert matches(np.array([[0, 100, 40, 200]]), [np.array([-60, 95, 42, 205])], (640, 480)) == 1


def test_scenes_are_deterministic_and_know_where_their_face_is(source, detector):
    for cat in ("medium 64-191 px", "cut left", "turned 15-30°", "large 192 px-90 %"):
        a = compose([source], cat, np.random.default_rng(3))
        b = compose([source], cat, np.random.default_rng(3))
        assert np.array_equal(a.image, b.image) and np.array_equal(a.boxes, b.boxes)
        assert a.image.shape == (SCENE_SIZE[1], SCENE_SIZE[0], 3)
        found = [f.box for f in detector.detect(a.image)]
        assert matches(a.boxes, found, SCENE_SIZE) == 1, cat
    cut = compose([source], "cut left", np.random.default_rng(0))
    assert cut.boxes[0, 0] == 0  # the face reaches past the left edge


def test_a_crowd_scene_knows_all_its_faces_and_none_covers_another(source, detector):
    a = compose([source], "crowd 8-24 faces", np.random.default_rng(1))
    b = compose([source], "crowd 8-24 faces", np.random.default_rng(1))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.boxes, b.boxes)
    n = len(a.boxes)
    assert CROWD_FACES[0] <= n <= CROWD_FACES[1]
    centres = (a.boxes[:, :2] + a.boxes[:, 2:]) / 2
    widths = a.boxes[:, 2] - a.boxes[:, 0]
    gaps = np.hypot(*(centres[:, None] - centres[None]).transpose(2, 0, 1)) + np.eye(n) * 1e9
    assert (gaps >= CROWD_SPACING * np.maximum(widths[:, None], widths[None]) - 1e-6).all()
    found = [f.box for f in detector.detect(a.image)]
    assert matches(a.boxes, found, SCENE_SIZE) >= 0.9 * n


def test_a_scene_with_an_upright_and_a_turned_face_knows_both(source):
    from id2face.face.orient import detect_any_orientation

    for seed in range(3):
        a = compose([source], BESIDE, np.random.default_rng(seed))
        assert np.array_equal(a.image, compose([source], BESIDE, np.random.default_rng(seed)).image)
        assert len(a.boxes) == 2 and a.source in ("turned 90", "turned 180", "turned 270")
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a.boxes
        assert min(ax1, bx1) <= max(ax0, bx0) or min(ay1, by1) <= max(ay0, by0)  # the faces do not overlap
        if a.source != "turned 180":  # a face lying on its side: its box is wider than it is tall
            assert (bx1 - bx0) > (by1 - by0)
    # The front-end finds both in a scene with the upright face and the face turned by half a turn.
    scene = next(s for s in (compose([source], BESIDE, np.random.default_rng(k)) for k in range(20))
                 if s.source == "turned 180")
    from id2face.face.detect import FaceDetector

    found = detect_any_orientation(FaceDetector(DetectorConfig()), scene.image)
    assert matches(scene.boxes, [f.box for f in found], SCENE_SIZE) == 2


def test_a_crowd_in_a_large_photo_keeps_its_small_faces_and_is_found(source):
    from id2face.evaluation.detection.large import LARGE_SIZE
    from id2face.evaluation.detection.scenes import LARGE
    from id2face.face.detect import FaceDetector

    a = compose([source], LARGE, np.random.default_rng(2))
    assert a.image.shape == (LARGE_SIZE[1], LARGE_SIZE[0], 3)
    widths = a.boxes[:, 2] - a.boxes[:, 0]
    assert CROWD_FACES[0] <= len(a.boxes) and widths.max() < 80  # small faces in a large frame
    found = [f.box for f in FaceDetector(DetectorConfig()).detect(a.image)]
    assert matches(a.boxes, found, LARGE_SIZE) >= 0.9 * len(a.boxes)


def test_a_crowd_in_a_mid_size_photo_has_faces_of_14_to_28_px(source):
    from id2face.evaluation.detection.large import MID, MID_FACES, MID_SIZE

    a = compose([source], MID, np.random.default_rng(3))
    assert a.image.shape == (MID_SIZE[1], MID_SIZE[0], 3) and a.category == MID
    widths = a.boxes[:, 2] - a.boxes[:, 0]
    assert CROWD_FACES[0] <= len(a.boxes) and widths.max() <= 1.25 * MID_FACES[1] + 2


def test_a_face_cut_deep_has_50_to_70_percent_past_one_edge_any_edge(source):
    w, h = SCENE_SIZE
    aspect = (source.box[3] - source.box[1]) / (source.box[2] - source.box[0])
    edges = set()
    for seed in range(12):
        sc = compose([source], "cut deep 50-70 %", np.random.default_rng(seed))
        x0, y0, x1, y1 = sc.boxes[0]
        touched = [e for e, t in zip(("left", "top", "right", "bottom"), (x0 <= 0, y0 <= 0, x1 >= w, y1 >= h),
                                     strict=True) if t]
        assert len(touched) == 1, touched
        edges |= set(touched)
        if touched[0] in ("left", "right"):
            inside = (x1 - x0) / ((y1 - y0) / aspect)
        else:
            inside = (y1 - y0) / ((x1 - x0) * aspect)
        assert 0.3 - 0.02 <= inside <= 0.5 + 0.02, (touched, inside)
    assert edges == {"left", "top", "right", "bottom"}


def test_face_free_mosaics_are_face_free_images_side_by_side_at_two_sizes():
    from id2face.evaluation.detection.scenes import MOSAIC_SIZES, face_free_mosaics

    a, b, c = face_free_mosaics(3, seed=1)
    assert [m.shape[1::-1] for m in (a, b, c)] == [MOSAIC_SIZES[0], MOSAIC_SIZES[1], MOSAIC_SIZES[0]]
    assert not np.array_equal(a, c)  # each mosaic draws its own images
    tiles = face_free_images(4, seed=1007)  # the first mosaic's: 2 x 2 images of the scene size
    assert np.array_equal(a[:SCENE_SIZE[1], :SCENE_SIZE[0]], tiles[0])
    assert np.array_equal(a[SCENE_SIZE[1]:, SCENE_SIZE[0]:], tiles[3])
    assert np.array_equal(face_free_mosaics(1, seed=1)[0], a)


def test_face_free_images_have_the_scene_size_and_vary():
    imgs = face_free_images(6, seed=1)
    assert len(imgs) == 6 and all(i.shape == (SCENE_SIZE[1], SCENE_SIZE[0], 3) for i in imgs)
    assert len({i.tobytes() for i in imgs}) == 6
    assert np.array_equal(imgs[0], face_free_images(1, seed=1)[0])


def test_the_bench_runs_end_to_end_on_a_folder_of_photos(tmp_path, astronaut):
    from PIL import Image

    Image.fromarray(astronaut).save(tmp_path / "astronaut.png")
    res = run_detection_bench(
        BenchSettings(tmp_path, per_category=1, face_free=2, sources=1, mosaics=2),
        {"fused": DetectorConfig()},
        progress=False,
    )
    tally = res["fused"]
    assert set(tally.total) == set(CATEGORIES)
    crowd = [c for c in CATEGORIES if c.startswith("crowd")]
    assert all(tally.total[c] == 1 for c in CATEGORIES if c not in crowd and c != BESIDE)
    assert tally.total[BESIDE] == 2
    assert all(CROWD_FACES[0] <= tally.total[c] <= CROWD_FACES[1] for c in crowd)
    assert tally.free_images == 2 and tally.recall() >= 0.8
    assert tally.mosaics == 2 and len(tally.mosaic_seconds) == 2
    text = table(res)
    assert "all faces" in text and "false alarms / face-free mosaics" in text


def test_a_category_subset_gives_the_same_scenes_as_the_whole_run(source):
    from id2face.evaluation.detection.scenes import pick_categories, scenes

    assert pick_categories(("tiny",)) == ("tiny 16-31 px",) and pick_categories(()) == CATEGORIES
    assert pick_categories(["cut"]) == ("cut left", "cut right", "cut top", "cut bottom", "cut deep 50-70 %")
    with pytest.raises(ValueError, match="no category"):
        pick_categories(("huge",))
    whole = [s for s in scenes([source], 2, seed=5) if s.category.startswith("cut top")]
    part = list(scenes([source], 2, seed=5, categories=pick_categories(("cut top",))))
    assert all(np.array_equal(a.image, b.image) for a, b in zip(whole, part, strict=True))


def test_backdrops_are_the_same_in_every_process():
    """skimage's binary_blobs is random unless seeded: rebuilding the pool must give the same images."""
    from id2face.evaluation.detection import backdrops as sc

    first = [p.copy() for p in sc.skimage_pool()]
    sc._POOL = None
    assert all(np.array_equal(a, b) for a, b in zip(first, sc.skimage_pool(), strict=True))


def test_the_cli_filters_categories_and_detectors(tmp_path, astronaut, capsys):
    from PIL import Image

    from id2face.cli.main import main

    Image.fromarray(astronaut).save(tmp_path / "astronaut.png")
    args = ["eval", "--detection", "--data", str(tmp_path), "--per-category", "1", "--face-free", "1",
            "--categories", "tiny,dark", "--detectors", "fused", "-o", str(tmp_path / "out")]
    assert main(args) == 0
    text = (tmp_path / "out" / "detection.txt").read_text()
    assert "tiny 16-31 px (1)" in text and "dark (1)" in text and "cut left" not in text
    assert "fused (default)" in text and "centerface" not in text.splitlines()[0]
    assert main([*args[:-6], "--categories", "huge", "-o", str(tmp_path / "x")]) == 2


def test_a_printed_scene_is_black_and_white_dots_and_its_face_is_found_smoothed(source, detector):
    from id2face.face.screen import find_screen

    a = compose([source], "printed in dots", np.random.default_rng(2))
    assert set(np.unique(a.image)) <= {0, 255} and len(a.boxes) == 1
    found = [f.box for f in detector.detect(find_screen(a.image).smooth)]
    assert matches(a.boxes, found, SCENE_SIZE) == 1
