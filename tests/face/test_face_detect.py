import cv2
import numpy as np
import pytest

from id2face.face.config import DetectorConfig
from id2face.face.detect import FaceDetector, nms


def test_detects_the_sample_face_with_mesh(detector, astronaut):
    faces = detector.detect(astronaut)
    assert len(faces) == 1
    f = faces[0]
    assert f.mesh is not None and f.mesh.shape == (478, 3)
    # Subject's right eye is on the image's left; mouth below the eyes.
    assert f.keypoints5[0, 0] < f.keypoints5[1, 0]
    assert f.keypoints5[3:, 1].mean() > f.keypoints5[:2, 1].mean()
    x0, y0, x1, y1 = f.box
    assert 150 < x0 < 200 and 250 < x1 < 300 and 50 < y0 < 90


def test_no_faces_in_face_free_images(detector):
    import skimage.data

    for img in (skimage.data.coffee(), skimage.data.rocket(), np.full((300, 400, 3), 127, np.uint8)):
        assert detector.detect(img) == []


def test_several_faces_rotated_and_at_the_border(detector, astronaut):
    face = astronaut[20:240, 120:330]
    canvas = np.full((480, 900, 3), 200, np.uint8)
    canvas[10:230, 20:230] = face
    rot = cv2.warpAffine(face, cv2.getRotationMatrix2D((105, 110), 25, 1.0), (210, 220),
                         borderMode=cv2.BORDER_REPLICATE)
    canvas[200:420, 400:610] = rot
    canvas[260:480, 790:900] = face[:, :110]  # cut by the right border
    faces = detector.detect(canvas)
    centres = sorted((f.box[0] + f.box[2]) / 2 for f in faces)
    assert len(faces) >= 2, centres
    assert any(c < 230 for c in centres) and any(400 < c < 610 for c in centres)


def test_small_face_in_a_large_photo_is_found_with_bounded_work(astronaut):
    big = np.full((3000, 4000, 3), 180, np.uint8)
    face = cv2.resize(astronaut[20:240, 120:330], (105, 110))
    big[2500:2610, 3500:3605] = face
    faces = FaceDetector(DetectorConfig(max_side=1280)).detect(big)
    assert any(3450 < (f.box[0] + f.box[2]) / 2 < 3650 for f in faces)


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    assert sorted(nms(boxes, np.array([0.5, 0.9, 0.7]), 0.4)) == [1, 2]


def test_unknown_second_detector_is_refused():
    with pytest.raises(ValueError, match="second detector"):
        FaceDetector(DetectorConfig(second_detector="nope"))


@pytest.mark.shared_data
def test_recall_on_celeba_wild_subset(shared_data, detector):
    import csv

    from id2face.io.images import load_image

    rows = list(csv.DictReader(open(shared_data / "celeba-wild" / "identities.csv")))[::63][:100]
    found = sum(bool(detector.detect(load_image(shared_data / "celeba-wild" / r["file"]))) for r in rows)
    assert found / len(rows) >= 0.95, f"recall {found}/{len(rows)}"


def test_a_face_that_fills_the_frame_is_found(detector, astronaut):
    """The full-range model misses faces this large; the short-range pass finds them (LFW-style crops)."""
    no_short = FaceDetector(DetectorConfig(short_range=False, centerface=False))
    for y0, y1, x0, x1 in [(80, 180, 175, 275), (85, 175, 180, 270)]:
        tight = cv2.resize(astronaut[y0:y1, x0:x1], (250, 250))
        gray = np.repeat(cv2.cvtColor(tight, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
        for img in (tight, gray):
            assert no_short.detect(img) == []
            assert len(detector.detect(img)) == 1


def test_random_noise_gives_no_face(detector):
    for seed in range(3):
        noise = np.random.default_rng(seed).integers(0, 255, (96, 128, 3), dtype=np.uint8)
        assert detector.detect(noise) == []
