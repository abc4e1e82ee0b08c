import numpy as np
import pytest

from id2face.face.align import align_face
from id2face.face.mask import face_mask
from id2face.face.paste import edge_fade, match_colour, paste_crop
from id2face.geometry import FFHQ, apply_affine, invert_affine


@pytest.fixture(scope="module")
def face(detector, astronaut):
    return detector.detect(astronaut)[0]


@pytest.mark.parametrize("size", [64, 128, 256, 512])
def test_alignment_round_trip_within_one_pixel(face, astronaut, size):
    align_face(astronaut, face, size, FFHQ)
    # Landmarks land on the template and come back to the photo exactly.
    np.testing.assert_allclose(
        apply_affine(face.matrix, face.keypoints5), FFHQ.pixels(size), atol=0.06 * size
    )
    back = apply_affine(invert_affine(face.matrix), face.crop_landmarks)
    assert np.abs(back - face.mesh[:, :2]).max() < 1.0
    assert face.crop.shape == (size, size, 3) and face.crop.dtype == np.uint8


def test_realigning_the_crop_finds_the_face_again(face, astronaut, detector):
    align_face(astronaut, face, 256, FFHQ)
    again = detector.detect(face.crop)
    assert len(again) == 1
    assert np.abs(again[0].keypoints5 - FFHQ.pixels(256)).max() < 12  # mesh re-estimated on the crop


def test_mask_covers_forehead_to_chin_and_not_the_background(face, astronaut):
    size = 128
    align_face(astronaut, face, size, FFHQ)
    m = face_mask(face, size, FFHQ)
    inner = face.crop_landmarks[
        [33, 263, 1, 13, 152, 105, 334, 234, 454]
    ]  # eyes, nose, lips, chin, brows, cheeks
    for x, y in np.round(inner).astype(int):
        assert m[min(y, size - 1), x] > 0.9
    assert m[0, 0] == 0 and m[0, -1] == 0 and m[-1, 0] == 0
    assert ((m > 0) & (m < 1)).sum() > 0.02 * size * size  # a feathered edge exists
    assert 0.2 < (m > 0.5).mean() < 0.7


def test_mask_without_mesh_falls_back_to_template_ellipse(face, astronaut):
    face.mesh = None
    align_face(astronaut, face, 128, FFHQ)
    m = face_mask(face, 128, FFHQ)
    eyes = np.round(FFHQ.pixels(128)[:2]).astype(int)
    assert all(m[y, x] == 1 for x, y in eyes) and m[0, 0] == 0


def test_paste_changes_only_pixels_under_the_mask(detector, astronaut):
    f = detector.detect(astronaut)[0]
    align_face(astronaut, f, 128, FFHQ)
    face_mask(f, 128, FFHQ)
    out = astronaut.copy()
    paste_crop(out, np.zeros_like(f.crop), f.mask, f.matrix)
    import cv2

    alpha = cv2.warpAffine(f.mask * edge_fade(128), invert_affine(f.matrix), astronaut.shape[1::-1])
    outside = alpha <= 0
    assert np.array_equal(out[outside], astronaut[outside])
    inside = alpha > 0.99
    assert inside.sum() > 2000 and out[inside].max() < 5


def test_paste_near_the_border_does_not_fail(detector, astronaut):
    img = np.ascontiguousarray(astronaut[60:, 200:])  # face cut on the left
    faces = detector.detect(img)
    assert faces
    f = faces[0]
    align_face(img, f, 128, FFHQ)
    face_mask(f, 128, FFHQ)
    out = img.copy()
    paste_crop(out, np.full_like(f.crop, 255), f.mask, f.matrix)
    assert out.shape == img.shape and (out != img).any()


def test_colour_match_moves_statistics_toward_the_reference():
    rng = np.random.default_rng(0)
    ref = np.clip(rng.normal(150, 20, (64, 64, 3)), 0, 255).astype(np.uint8)
    new = np.clip(rng.normal(60, 5, (64, 64, 3)), 0, 255).astype(np.uint8)
    out = match_colour(new, ref, np.ones((64, 64), np.float32))
    assert abs(out.mean() - ref.mean()) < 6


def test_colour_match_keeps_a_grey_photo_grey():
    rng = np.random.default_rng(1)
    ref = np.repeat(rng.integers(40, 200, (32, 32, 1), dtype=np.uint8), 3, axis=2)
    new = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)  # coloured generated face
    out = match_colour(new, ref, np.ones((32, 32), np.float32))
    assert np.abs(out.astype(int) - out[..., :1]).max() <= 2


def test_colour_match_gives_a_grey_face_the_colour_photos_skin_tone():
    """A grey generated face in a colour photo is the latent model's known failure (grey LFW training
    photos): the pasted face takes the source's low-frequency chroma (red lips stay red, skin stays
    skin-coloured), where a mean shift alone gave a uniformly tinted, sepia-like face."""
    import cv2

    rng = np.random.default_rng(2)
    ref = np.clip(np.array([205, 150, 120]) + rng.normal(0, 3, (64, 64, 3)), 0, 255)
    ref[40:50, 20:44] = (190, 60, 70)  # the lips
    ref = ref.astype(np.uint8)
    grey = np.repeat(rng.integers(90, 170, (64, 64, 1)), 3, axis=2).astype(np.uint8)
    out = match_colour(grey, ref, np.ones((64, 64), np.float32))
    a_out = cv2.cvtColor(out, cv2.COLOR_RGB2LAB)[..., 1].astype(float)
    a_ref = cv2.cvtColor(ref, cv2.COLOR_RGB2LAB)[..., 1].astype(float)
    lips, cheek = (slice(42, 48), slice(24, 40)), (slice(12, 24), slice(12, 52))
    assert a_ref[lips].mean() - a_ref[cheek].mean() > 20
    assert a_out[lips].mean() - a_out[cheek].mean() > 10  # the lips are redder than the skin
    assert abs(a_out[cheek].mean() - a_ref[cheek].mean()) < 4  # the skin has the source's tone
    # the new face's own detail (lightness) is kept, not replaced by the source's
    l_out = cv2.cvtColor(out, cv2.COLOR_RGB2LAB)[..., 0].astype(float)
    l_new = cv2.cvtColor(grey, cv2.COLOR_RGB2LAB)[..., 0].astype(float)
    assert np.corrcoef(l_out.ravel(), l_new.ravel())[0, 1] > 0.9


def test_preserved_parts_stay_out_of_the_replaced_region(detector, astronaut):
    from id2face.face.config import MaskConfig

    face = detector.detect(astronaut)[0]
    size = 128
    align_face(astronaut, face, size, FFHQ)
    lm = face.crop_landmarks

    def at(mask, i):
        x, y = np.round(lm[i, :2]).astype(int)
        return mask[y, x]

    full = face_mask(face, size, FFHQ).copy()
    eyes = face_mask(face, size, FFHQ, MaskConfig(preserve=("eyes",))).copy()
    both = face_mask(face, size, FFHQ, MaskConfig(preserve=("eyes", "mouth"))).copy()
    for i in (33, 133, 263, 362):  # eye corners
        assert at(full, i) == 1 and at(eyes, i) == 0
    assert at(eyes, 13) == 1 and at(both, 13) == 0  # upper lip
    assert at(both, 205) > 0.8 and at(both, 425) > 0.8  # cheeks are still replaced
    assert eyes.sum() < full.sum() and both.sum() < eyes.sum()
    face.mesh = None  # no mesh: nothing can be kept, everything is replaced (privacy first)
    np.testing.assert_array_equal(face_mask(face, size, FFHQ, MaskConfig(preserve=("eyes",))),
                                  face_mask(face, size, FFHQ))
