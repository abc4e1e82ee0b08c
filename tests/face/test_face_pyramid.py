"""CenterFace on tiles at finer scales: which scales, which tiles, and when a finer scale is skipped."""

import numpy as np
import pytest

from id2face.face.centerface import Detection
from id2face.face.config import DetectorConfig
from id2face.face.pyramid import KEEP_UNDER, SEES, centerface_tiles, fine_scales, tiles


def test_small_photos_get_no_tiles_and_large_ones_scales_down_to_the_smallest_face():
    assert fine_scales(640, 480, 640, 16, 8192) == []
    assert fine_scales(900, 600, 640, 16, 8192) == []  # the whole look sees it at 0.7 of its size
    assert fine_scales(1280, 960, 640, 16, 8192) == [1.0]  # a mid-size photo: its own pixels
    assert fine_scales(960, 720, 640, 16, 8192) == [1.0]
    s = fine_scales(6000, 4000, 640, 16, 8192)
    assert s[-1] == 1.0 and len(s) == 2  # a 16-px face is SEES px only in the photo's own pixels
    assert all(b / a >= 1.5 for a, b in zip([640 / 6000, *s], s, strict=False))
    assert fine_scales(6000, 4000, 640, 2 * SEES, 8192)[-1] == pytest.approx(0.5)  # larger faces: coarser
    assert fine_scales(40000, 30000, 640, 16, 8192)[-1] == pytest.approx(8192 / 40000)  # bounded work


def test_tiles_cover_the_frame_with_a_quarter_overlap():
    ts = tiles(1500, 700, 640)
    cover = np.zeros((700, 1500), bool)
    for x0, y0, x1, y1 in ts:
        assert x1 - x0 == 640 and y1 - y0 == 640
        cover[y0:y1, x0:x1] = True
    assert cover.all() and tiles(300, 200, 640) == [(0, 0, 300, 200)]


def test_a_finer_scale_is_looked_at_only_after_a_small_face(monkeypatch):
    photo = np.zeros((3000, 4000, 3), np.uint8)
    scales = fine_scales(4000, 3000, 640, 16, 8192)
    assert len(scales) == 2

    def run(width):
        calls = []

        def centerface(tile, threshold, max_side, faint=None):
            calls.append(tile.shape)
            if len(calls) == 1 and width:  # three faces in the first tile of the first scale
                s = scales[0]
                return [Detection(np.array([x, 10, x + width * s, 10 + width * s]), 0.9, np.zeros((5, 2)))
                        for x in (10, 200, 400)]
            return []

        return centerface_tiles(centerface, photo, 0.1, 640, 16, 8192), calls

    coarse_tiles = len(tiles(round(4000 * scales[0]), round(3000 * scales[0]), 640))
    found, calls = run(0)  # nothing at the first scale: the finer one is skipped
    assert found == [] and len(calls) == coarse_tiles
    found, calls = run(200)  # large faces: no smaller ones to expect
    assert len(found) == 3 and len(calls) == coarse_tiles
    found, calls = run(30)  # faces near what the first scale sees: the finer scale too
    assert len(calls) > coarse_tiles
    # Boxes come back in photo pixels.
    np.testing.assert_allclose(found[0].box[2] - found[0].box[0], 30, atol=1e-6)
    np.testing.assert_allclose(found[0].box[:2], 10 / scales[0])


def test_group_zero_looks_at_every_scale_and_a_finer_scale_keeps_only_small_faces():
    photo = np.zeros((3000, 4000, 3), np.uint8)
    scales = fine_scales(4000, 3000, 640, 16, 8192)
    calls = []

    def centerface(tile, threshold, max_side, faint=None):  # one small and one large face in every tile
        calls.append(tile.shape)
        return [Detection(np.array([10.0, 10, 10 + w, 10 + w]), 0.9, np.zeros((5, 2))) for w in (20.0, 300.0)]

    found = centerface_tiles(centerface, photo, 0.1, 640, 16, 8192, group=0)
    per_scale = [len(tiles(round(4000 * s), round(3000 * s), 640)) for s in scales]
    assert len(calls) == sum(per_scale)  # no gate: the finest scale too, with no face near the limit
    widths = np.array([d.box[2] - d.box[0] for d in found])
    # The first scale keeps faces under KEEP_UNDER x the whole look's smallest (SEES at 640 px), the finest
    # under KEEP_UNDER x the first scale's smallest: a tile's half of a large face is not a face.
    first, finest = widths[:per_scale[0]], widths[per_scale[0]:]
    coarse_seen, first_seen = SEES * 4000 / 640, SEES / scales[0]
    assert len(first) == per_scale[0] and np.allclose(first, 20 / scales[0])
    assert 300 / scales[0] > KEEP_UNDER * coarse_seen
    assert np.allclose(finest, 20.0) and len(finest) == per_scale[1] and 300 > KEEP_UNDER * first_seen


def test_a_weak_trace_opens_the_finer_scale_only_in_its_tiles():
    """Under the gate, a finer scale is looked at in the tiles holding a box of the scale before that scores
    `seed` (a far crowd's trace), and skipped where there is none."""
    photo = np.zeros((3000, 4000, 3), np.uint8)
    scales = fine_scales(4000, 3000, 640, 16, 8192)
    first_tiles = len(tiles(round(4000 * scales[0]), round(3000 * scales[0]), 640))
    trace_at = np.array([2000.0, 1500.0])  # photo px: the trace's centre

    def run(score, seed):
        calls, thresholds = [], []

        def centerface(tile, threshold, max_side, faint=None):
            calls.append(tile.shape)
            thresholds.append(faint)
            if len(calls) == first_tiles:  # the first scale's last tile holds the photo's centre
                s = scales[0]
                x0 = (round(4000 * s) - 640) if round(4000 * s) > 640 else 0
                y0 = (round(3000 * s) - 640) if round(3000 * s) > 640 else 0
                c = trace_at * s - [x0, y0]
                return [Detection(np.array([*(c - 5), *(c + 5)]), score, np.zeros((5, 2)))]
            return []

        found = centerface_tiles(centerface, photo, 0.1, 640, 16, 8192, seed=seed)
        return found, calls, thresholds

    found, calls, thresholds = run(0.05, 0.02)
    finest = [t for t in tiles(4000, 3000, 640)
              if t[0] <= trace_at[0] <= t[2] and t[1] <= trace_at[1] <= t[3]]
    assert found == [] and len(calls) == first_tiles + len(finest)  # a weak box is a trace, not a face
    assert 0 < len(finest) < len(tiles(4000, 3000, 640))
    # faint peaks are asked for where a finer scale follows, not at the finest
    assert thresholds == [0.02] * first_tiles + [None] * len(finest)
    assert len(run(0.01, 0.02)[1]) == first_tiles  # under `seed`: no trace, the finer scale is skipped
    found, calls, thresholds = run(0.05, 0.0)  # no seed: the gate alone, no faint peaks asked for
    assert len(calls) == first_tiles and set(thresholds) == {None}


def _hits(photo, centres, cfg):
    from id2face.face.detect import FaceDetector

    boxes = [f.box for f in FaceDetector(cfg).detect(photo)]
    return sum(any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes) for x, y in centres)


@pytest.fixture(scope="module")
def crowd(paste_crowd):
    """Faces about 30 px wide on a plain grey 4000x3000 photo."""
    return paste_crowd(np.full((3000, 4000, 3), 140, np.uint8), 56)


def test_a_crowd_of_small_faces_in_a_large_photo_is_found(crowd):
    photo, centres = crowd
    assert _hits(photo, centres, DetectorConfig()) == len(centres)
    assert _hits(photo, centres, DetectorConfig(centerface_fine=False)) <= 4  # the front-end before found 1


def test_a_far_crowd_of_faces_alone_on_a_smooth_backdrop_needs_every_scale(far_crowd):
    """24 faces about 18 px wide on an enlarged (smooth) 12-MP background: the first tiled scale sees too
    few of them to open the finest one and leaves no trace near them; looking at every scale
    (`--small-faces`) finds them."""
    photo, centres = far_crowd
    assert _hits(photo, centres, DetectorConfig(centerface_fine_group=0)) >= 22
    assert _hits(photo, centres, DetectorConfig()) <= 4


def test_a_far_crowd_on_a_detailed_backdrop_is_found_where_its_traces_show(paste_crowd):
    """The same faces on a detailed patch (a photo at its own pixels, as a crowd's surroundings are in a
    real photo): the first tiled scale's weak boxes there open the finest scale's tiles (the default), where
    the gate alone opens none."""
    import cv2
    import skimage.data

    photo = cv2.resize(skimage.data.coffee(), (4000, 3000), interpolation=cv2.INTER_LINEAR)
    cat = skimage.data.chelsea()
    reps = (1 + 1700 // cat.shape[0], 1 + 2300 // cat.shape[1], 1)
    photo[700:2400, 800:3100] = np.tile(cat, reps)[:1700, :2300]
    photo, centres = paste_crowd(photo, 32)
    assert _hits(photo, centres, DetectorConfig()) >= 10
    assert _hits(photo, centres, DetectorConfig(centerface_fine_seed=0.0)) <= 2


def test_faces_too_faint_even_at_the_finest_scale_are_confirmed_by_a_zoomed_look(paste_crowd):
    """24 faces about 14 px wide on an enlarged busy scene, every scale looked at (`--small-faces`): at the
    finest scale many of them score under CenterFace's threshold; its weak peaks there go to the zoomed
    look as faint candidates (with `faint` off, as before, they are left)."""
    import cv2
    import skimage.data

    photo = cv2.resize(skimage.data.coffee(), (4000, 3000), interpolation=cv2.INTER_LINEAR)
    photo, centres = paste_crowd(photo, 26)
    assert _hits(photo, centres, DetectorConfig(centerface_fine_group=0)) >= 17
    assert _hits(photo, centres, DetectorConfig(centerface_fine_group=0, faint=False)) <= 12


def test_a_crowd_in_a_mid_size_photo_is_looked_at_in_its_own_pixels(paste_crowd):
    """18 faces about 24 px wide in a 1280x960 photo (scikit-image's coffee enlarged) are 12 px in the 640-px
    whole look: the photo's own pixels find them (before, photos up to 1,280 px were looked at only there)."""
    import cv2
    import skimage.data

    photo = cv2.resize(skimage.data.coffee(), (1280, 960), interpolation=cv2.INTER_LINEAR)
    photo, centres = paste_crowd(photo, 44, rows=3, origin=(200, 250), step=(150, 170))
    assert _hits(photo, centres, DetectorConfig()) >= 16
    assert _hits(photo, centres, DetectorConfig(centerface_fine=False)) <= 12


def test_a_far_crowd_in_a_plain_mid_size_photo_is_found(paste_crowd):
    """18 faces about 13 px wide on a plain 1280x960 photo are under 7 px in the 640-px whole look, and leave
    too weak a trace there to have opened the look at the photo's own pixels (once gated by it): that look
    is made whatever the whole look saw."""
    photo, centres = paste_crowd(np.full((960, 1280, 3), 140, np.uint8), 24, rows=3, origin=(200, 250),
                                 step=(150, 170))
    assert _hits(photo, centres, DetectorConfig()) >= 17
    assert _hits(photo, centres, DetectorConfig(centerface_fine=False)) <= 13


def test_a_mid_size_photo_is_looked_at_in_its_own_pixels_with_no_gate():
    """The whole look's heatmap does not tell a far crowd's 7-14 px faces from a texture: every tile of a
    1280x960 photo's own pixels is looked at whatever that look saw, and boxes come back in photo pixels."""
    looked = []

    def fake(image, threshold, max_side, faint=None):
        looked.append((image.shape[:2], max_side, faint))
        box = np.array([100.0, 100, 120, 120])
        return [Detection(box, 0.9, np.zeros((5, 2)))] if len(looked) == 2 else []

    photo = np.zeros((960, 1280, 3), np.uint8)
    found = centerface_tiles(fake, photo, 0.1, 640, 16, 8192, seed=0.02, faint=0.02)
    assert len(looked) == 6 and {(shape, m) for shape, m, _ in looked} == {((640, 640), 640)}
    assert {f for *_, f in looked} == {0.02}  # the finest scale: its faint peaks are asked for
    x0 = tiles(1280, 960, 640)[1][0]
    np.testing.assert_allclose(found[0].box, [100 + x0, 100, 120 + x0, 120])
