"""Several new faces per face, the one the recognizer finds least like the real person (as seen) kept."""

import json

import numpy as np
import pytest
import torch

from id2face.face.types import Face
from id2face.identity import DlibRecognizer
from id2face.methods.diffusion import DiffusionOptions, ID2FaceMethod
from id2face.methods.draws import as_seen, draw_key, least_like, photo_scale
from id2face.model.config import checked_draws, recorded_draws
from id2face.testing.models import write_tiny_model

S = 32


class _Rec(DlibRecognizer):
    """dlib's name and template with a cheap deterministic 'network' that sees colour layout."""

    def __init__(self):
        pass

    def _embed_own(self, crops):
        small = torch.nn.functional.adaptive_avg_pool2d(torch.as_tensor(crops).permute(0, 3, 1, 2).float(), 7)
        return (small.reshape(len(crops), -1)[:, : self.dim] - 127.5).numpy()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp("id2face") / "model", _Rec(), S)


def _face(track, scale, blend):
    """A face `scale` times smaller in its photo than in its crop, pasted back where `blend` says."""
    f = Face(box=np.array([0.0, 0.0, S / scale, S / scale]), score=1.0, keypoints5=np.zeros((5, 2)),
             track_id=track)
    f.matrix, f.blend = np.array([[scale, 0.0, 0.0], [0.0, scale, 0.0]]), blend
    return f


def _faces(n, tracks, scale=1.0):
    crops = np.random.default_rng(1).integers(0, 256, (n, S, S, 3), dtype=np.uint8)
    masks = np.zeros((n, S, S), np.float32)
    masks[:, 6:28, 6:26] = 1
    return crops, masks, [_face(t, scale, m) for t, m in zip(tracks, masks, strict=True)]


def test_the_first_draw_keeps_the_faces_own_key_and_the_others_differ():
    assert draw_key("0:abc:face1", 0) == "0:abc:face1"
    assert len({draw_key("0:abc:face1", d) for d in range(4)}) == 4


def test_a_draw_is_seen_over_the_real_crop_at_the_faces_own_size():
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (2, S, S, 3), dtype=np.uint8)
    new = rng.integers(0, 256, (2, S, S, 3), dtype=np.uint8)
    w = np.zeros((2, S, S), np.float32)
    w[:, 8:24, 8:24] = 1.0
    same = as_seen(crops, new, w, np.array([1.0, 0.5]))  # a face as large as its crop, or larger
    np.testing.assert_array_equal(same[:, 8:24, 8:24], new[:, 8:24, 8:24])
    np.testing.assert_array_equal(same[:, :8], crops[:, :8])
    small = as_seen(crops, new, w, np.array([4.0, 4.0]))  # a face 8 px wide in the photo
    detail = lambda a: np.abs(np.diff(a.astype(np.float64), axis=1)).mean()  # noqa: E731
    assert detail(small[0]) < 0.5 * detail(same[0])
    assert photo_scale(Face(box=np.zeros(4), score=1.0, keypoints5=np.zeros((5, 2)))) == 1.0


def test_the_draw_least_like_the_source_is_kept():
    src = np.array([1.0, 0.0, 0.0])
    draws = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.5, 0.5, 0.5]])
    assert least_like(draws, src) == 1
    assert least_like(draws * np.array([[3.0], [1.0], [2.0]]), src) == 1  # by direction, not length


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_a_draw_count_below_one_or_not_whole_is_refused(bad):
    with pytest.raises(ValueError, match="draws"):
        checked_draws(bad)


def test_a_model_records_its_draws_and_one_is_the_default(model_dir, tmp_path):
    assert recorded_draws(model_dir) == 1
    assert ID2FaceMethod.from_pretrained(model_dir, steps=1, recognizer=_Rec()).draws == 1
    (tmp_path / "training.json").write_text(json.dumps({"draws": 3}))
    assert recorded_draws(tmp_path) == 3


def test_of_several_draws_the_one_least_like_the_source_as_seen_is_written(model_dir):
    crops, masks, faces = _faces(3, [None, None, None], scale=2.0)
    one = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2), recognizer=_Rec())
    three = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2, draws=3), recognizer=_Rec())
    out = three(crops, masks, faces, seed=5)
    first = one(crops, masks, faces, seed=5)
    np.testing.assert_array_equal(out[masks == 0], crops[masks == 0])
    src, _ = one.source_embeddings(crops, faces)
    keys = one.identity_keys(faces, 5)
    chosen = []
    for i in range(3):  # each draw sampled alone, with its own key, as the method samples it
        rows = [one._sample(crops[i:i + 1], masks[i:i + 1], None, [draw_key(keys[i], d)], src[i:i + 1],
                            ["free"], 1.0)[0] for d in range(3)]
        np.testing.assert_array_equal(rows[0], first[i])  # the first draw is what one draw gives
        seen = as_seen(np.repeat(crops[i:i + 1], 3, 0), np.stack(rows), np.repeat(masks[i:i + 1], 3, 0),
                       np.full(3, 2.0))
        best = least_like(_Rec().embed(seen, one.template, S), src[i])
        np.testing.assert_array_equal(out[i], rows[best])
        chosen.append(best)
    assert np.array_equal(out, three(crops, masks, faces, seed=5))  # reproducible
    assert any(c != 0 for c in chosen)  # the choice is not always the first draw


def test_a_video_track_keeps_the_draw_of_its_first_frame(model_dir, monkeypatch):
    m = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=1, draws=3), recognizer=_Rec())
    crops, masks, faces = _faces(1, [7])
    sampled = []
    real = m._sample
    monkeypatch.setattr(m, "_sample", lambda c, *a: sampled.append(len(c)) or real(c, *a))
    first = m(crops, masks, faces, seed=2)
    again = m(crops, masks, faces, seed=2)
    assert sampled == [3, 1]  # every draw once, then only the kept one
    np.testing.assert_array_equal(first, again)
    more, more_masks, two = _faces(2, [7, None])  # the track beside a face that still chooses
    more[0] = crops[0]
    mixed = m(more, more_masks, [faces[0], two[1]], seed=2)
    assert sampled == [3, 1, 4]
    np.testing.assert_array_equal(mixed[0], first[0])
    m.new_sequence()  # a new video: its tracks choose again
    m(crops, masks, faces, seed=2)
    assert sampled == [3, 1, 4, 3]
