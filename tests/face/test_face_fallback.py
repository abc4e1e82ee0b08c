from dataclasses import dataclass

import numpy as np

from id2face.anonymizer import Anonymizer
from id2face.face.fallback import HEAD, MESH, POINTS, paste_order, plausible_points, replacement_kind
from id2face.face.types import Face
from id2face.geometry import FFHQ

FRONTAL = np.array([[130, 140], [170, 140], [150, 160], [135, 180], [165, 180]], np.float64)


def face(points: np.ndarray, mesh: bool = False) -> Face:
    f = Face(box=np.array([110.0, 110.0, 190.0, 200.0]), score=0.9, keypoints5=points.copy())
    if mesh:
        f.mesh = np.zeros((478, 3))
    return f


def test_points_that_look_like_a_face_are_used_others_are_not():
    assert plausible_points(face(FRONTAL))
    turned = (FRONTAL - 150) @ np.array([[0, 1], [-1, 0]]) + 150  # the same face turned 90 degrees
    assert plausible_points(face(turned))
    profile = FRONTAL.copy()
    profile[:2, 0] = [148, 152]  # both eyes on one spot
    assert not plausible_points(face(profile))
    flipped = FRONTAL.copy()
    flipped[3:, 1] = 120  # mouth above the eyes (with the right eye on the image's left)
    assert not plausible_points(face(flipped))
    assert not plausible_points(face(FRONTAL + 500))  # nowhere near the box
    assert replacement_kind(face(FRONTAL, mesh=True)) == MESH
    assert replacement_kind(face(FRONTAL)) == POINTS and replacement_kind(face(profile)) == HEAD


def test_a_face_that_cannot_be_aligned_is_still_covered_and_counted(astronaut):
    anon = Anonymizer(method="blur")
    profile = FRONTAL.copy()
    profile[:2, 0] = [148, 152]
    x0, y0, x1, y1 = 170, 60, 280, 190  # the sample face, given with unusable points
    f = Face(
        box=np.array([x0, y0, x1, y1], np.float64),
        score=0.9,
        keypoints5=profile - 150 + np.array([(x0 + x1) / 2, (y0 + y1) / 2]),
    )
    out, rep = anon.anonymize_rgb(astronaut, faces=[f])
    assert rep.faces == 1 and rep.fallbacks == 1
    inner = (slice(y0 + 20, y1 - 20), slice(x0 + 20, x1 - 20))
    assert np.abs(out[inner].astype(int) - astronaut[inner]).mean() > 8  # the face is blurred
    assert np.array_equal(out[400:], astronaut[400:])  # far from it nothing changed


def test_a_detected_face_without_mesh_is_replaced_on_its_points(astronaut):
    anon = Anonymizer(method="blur")
    f = anon.detector.detect(astronaut)[0]
    f.mesh = None
    out, rep = anon.anonymize_rgb(astronaut, faces=[f])
    assert rep.fallbacks == 1
    x0, y0, x1, y1 = f.box.astype(int)
    assert np.abs(out[y0:y1, x0:x1].astype(int) - astronaut[y0:y1, x0:x1]).mean() > 8


def test_paste_order_puts_heads_first_and_the_largest_meshed_face_last():
    def at(x0: float, side: float, mesh: bool, points: np.ndarray = FRONTAL) -> Face:
        f = face(points, mesh)
        f.box = np.array([x0, 100.0, x0 + side, 100.0 + side])
        f.keypoints5 = (points - 150) * side / 80 + np.array([x0 + side / 2, 100 + side / 2])
        return f

    profile = FRONTAL.copy()
    profile[:2, 0] = [148, 152]
    faces = [at(0, 200, True), at(300, 40, False), at(400, 60, True), at(500, 90, False, profile)]
    kinds = [replacement_kind(f) for f in faces]
    assert kinds == [MESH, POINTS, MESH, HEAD]
    assert paste_order(faces, kinds) == [3, 1, 2, 0]


@dataclass
class Paint:
    """Paints face i's crop a flat grey level of 60 + 60 i: which face shows where, after the paste."""

    name: str = "paint"
    crop_size: int = 128
    template = FFHQ
    color_match: bool = False

    def __call__(self, crops, masks, faces, seed):
        return np.stack([np.full_like(c, 60 + 60 * i) for i, c in enumerate(crops)])


def test_a_face_half_hidden_behind_another_does_not_cover_it(astronaut):
    anon = Anonymizer(method=Paint())
    front = anon.detector.detect(astronaut)[0]  # meshed
    x0, y0, x1, y1 = front.box
    side = (x1 - x0) * 0.6  # a smaller face behind, on points only, its box over the front face's cheek
    bx, by = x1 - 0.3 * side, y0 + 0.5 * (y1 - y0)
    behind = Face(box=np.array([bx, by, bx + side, by + side]), score=0.6,
                  keypoints5=(FRONTAL - 150) * side / 80 + np.array([bx + side / 2, by + side / 2]))
    assert replacement_kind(front) == MESH and replacement_kind(behind) == POINTS
    for faces in ([front, behind], [behind, front]):  # whatever order detection gave
        out, rep = anon.anonymize_rgb(astronaut, faces=faces)
        assert rep.faces == 2
        front_level = 60 + 60 * [id(f) for f in faces].index(id(front))
        cheek = out[int(y0 + 0.55 * (y1 - y0)), int(x1 - 0.2 * (x1 - x0))]
        assert abs(int(cheek[0]) - front_level) <= 2, cheek  # the front face shows on its own cheek
        behind_level = 60 + 60 * [id(f) for f in faces].index(id(behind))
        far = out[int(by + 0.5 * side), int(bx + 0.75 * side)]
        assert abs(int(far[0]) - behind_level) <= 2, far  # and the face behind is still replaced


def _moved(f: Face, scale: float, to: np.ndarray) -> Face:
    """The same face scaled by `scale` about its box centre and centred on `to` (geometry only)."""
    x0, y0, x1, y1 = f.box
    c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])

    def move(p: np.ndarray) -> np.ndarray:
        q = np.array(p, np.float64, copy=True)
        q[..., :2] = to + scale * (q[..., :2] - c)
        return q

    box = move(np.array([[x0, y0], [x1, y1]])).ravel()
    return Face(box=box, score=f.score, keypoints5=move(f.keypoints5), mesh=move(f.mesh))


def test_a_face_in_a_larger_face_s_grown_margin_keeps_its_own_face(astronaut):
    from id2face.face.config import MaskConfig

    anon = Anonymizer(method=Paint(), mask=MaskConfig(dilate=0.3, blend="region"))  # a wide margin
    big = anon.detector.detect(astronaut)[0]
    x0, y0, x1, y1 = big.box
    w = x1 - x0
    big = _moved(big, 1.0, np.array([(x0 + x1) / 2 - 0.3 * w, (y0 + y1) / 2]))
    small_centre = np.array([(x0 + x1) / 2 + 0.55 * w, (y0 + y1) / 2 + 0.1 * w])  # beside its outline
    small = _moved(big, 0.35, small_centre)
    assert replacement_kind(small) == MESH and replacement_kind(big) == MESH
    for faces in ([big, small], [small, big]):
        out, _ = anon.anonymize_rgb(astronaut, faces=faces)
        level = {id(f): 60 + 60 * i for i, f in enumerate(faces)}
        at_small = out[int(small_centre[1]), int(small_centre[0])]
        assert abs(int(at_small[0]) - level[id(small)]) <= 2, at_small  # the small face shows its own face
        bx, by = (big.box[:2] + big.box[2:]) / 2
        at_big = out[int(by), int(bx)]
        assert abs(int(at_big[0]) - level[id(big)]) <= 2, at_big
        # and the big face's margin does reach there: without the second pass, its paint would show
        plain = anon.anonymize_rgb(astronaut, faces=[big])[0]
        assert np.any(plain[int(small_centre[1]), int(small_centre[0])] != astronaut[int(small_centre[1]),
                                                                                     int(small_centre[0])])
