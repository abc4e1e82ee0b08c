"""Animated pictures are anonymized whole, as clips; transparent photos keep their alpha."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from id2face.anonymizer import Anonymizer
from id2face.geometry import FFHQ
from id2face.io.animation import load_animation

FACE = (slice(40, 80), slice(95, 130))  # the sample face in a 256-px frame before it moves
CORNER = (slice(200, 256), slice(0, 40))  # rocket-free background at the bottom left


class Broken:
    """A method that fails on every face."""

    name, crop_size, template, color_match = "broken", 64, FFHQ, False

    def __call__(self, crops, masks, faces, seed):
        raise RuntimeError("boom")


@pytest.fixture(scope="module")
def blur():
    with Anonymizer(method="blur") as a:
        yield a


def _gif(path, astronaut, n=4, step=3, **options):
    frames = [Image.fromarray(np.ascontiguousarray(np.roll(astronaut[::2, ::2], step * i, axis=1)))
              for i in range(n)]
    frames[0].save(path, save_all=True, append_images=frames[1:], **options)
    return load_animation(path).frames  # as decoded (GIF palette)


def test_every_frame_of_a_gif_is_anonymized_and_its_timing_kept(tmp_path, astronaut, blur):
    src = tmp_path / "wave.gif"
    frames = _gif(src, astronaut, duration=[90, 90, 90, 300], loop=0)
    report = blur.anonymize_file(src, tmp_path / "out" / "wave.gif")
    out = load_animation(tmp_path / "out" / "wave.gif")
    assert report.faces == 4 and len(out.frames) == 4
    assert out.durations == [90, 90, 90, 300] and out.loop == 0
    for i, (a, b) in enumerate(zip(frames, out.frames, strict=True)):
        face = (FACE[0], slice(FACE[1].start + 3 * i, FACE[1].stop + 3 * i))
        assert np.abs(a[face].astype(int) - b[face]).mean() > 8, f"frame {i}: face not replaced"
        assert np.abs(a[CORNER].astype(int) - b[CORNER]).mean() < 4, f"frame {i}: background changed"


def test_a_folder_batch_takes_animations_and_photos_in_order(tmp_path, astronaut, blur):
    _gif(tmp_path / "b.gif", astronaut, n=2, duration=100)
    Image.fromarray(astronaut).save(tmp_path / "a.png")
    Image.fromarray(astronaut).save(tmp_path / "c.jpg")
    pairs = [(tmp_path / n, tmp_path / "out" / n) for n in ("a.png", "b.gif", "c.jpg")]
    results = list(blur.anonymize_files(pairs, batch=3))
    assert [r.src.name for r in results] == ["a.png", "b.gif", "c.jpg"] and all(r.ok for r in results)
    assert [r.report.faces for r in results] == [1, 2, 1]
    assert len(load_animation(tmp_path / "out" / "b.gif").frames) == 2


def test_an_animation_with_a_face_that_cannot_be_anonymized_is_not_written(tmp_path, astronaut):
    _gif(tmp_path / "in.gif", astronaut, n=2, duration=100)
    results = list(Anonymizer(method=Broken()).anonymize_files([(tmp_path / "in.gif", tmp_path / "o.gif")]))
    assert results[0].error is not None and not list(tmp_path.glob("*o.gif*"))


def test_a_transparent_photo_keeps_its_alpha_and_its_faint_face_is_replaced(tmp_path, astronaut, blur):
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 40, np.uint8)])  # the whole picture faint
    rgba[:, 400:, 3] = 0  # and a band erased to transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "faint.png")
    report = blur.anonymize_file(tmp_path / "faint.png", tmp_path / "out.png")
    with Image.open(tmp_path / "out.png") as im:
        out = np.asarray(im)
    assert report.faces == 1 and im.mode == "RGBA"
    assert np.array_equal(out[..., 3], rgba[..., 3])
    face = (slice(90, 150), slice(200, 250))
    assert np.abs(out[face][..., :3].astype(int) - astronaut[face]).mean() > 10  # replaced in its own colour
    assert np.array_equal(out[350:, :100, :3], astronaut[350:, :100])  # the rest exact
    assert (out[:, 400:, :3] == 0).all()
    blur.anonymize_file(tmp_path / "faint.png", tmp_path / "out.jpg")
    with Image.open(tmp_path / "out.jpg") as im:
        assert im.mode == "RGB"


def test_frames_in_batches_give_the_same_animation(tmp_path, astronaut, blur):
    _gif(tmp_path / "in.gif", astronaut, n=5, duration=80)
    for batch in (1, 3):
        blur.anonymize_animation(tmp_path / "in.gif", tmp_path / f"out{batch}.gif", batch_frames=batch)
    one, three = load_animation(tmp_path / "out1.gif"), load_animation(tmp_path / "out3.gif")
    assert all(np.array_equal(a, b) for a, b in zip(one.frames, three.frames, strict=True))
    assert (tmp_path / "out1.gif").read_bytes() == (tmp_path / "out3.gif").read_bytes()


class Seeds:
    """A method that paints each face by the seed it is given, and keeps the seeds it saw."""

    name, crop_size, template, color_match = "seeds", 64, FFHQ, False

    def __init__(self):
        self.seen: list[int] = []

    def __call__(self, crops, masks, faces, seed):
        self.seen.append(seed)
        return np.full_like(crops, seed % 251)


def test_a_stream_takes_its_own_seed_and_leaves_the_anonymizers(astronaut):
    """The web answers each animated upload with its request's seed from one shared Anonymizer."""
    frames = [np.ascontiguousarray(np.roll(astronaut[::2, ::2], 3 * i, axis=1)) for i in range(3)]
    method = Seeds()
    a = Anonymizer(method=method, seed=7)
    outs = [out for out, _ in a.anonymize_stream(frames, seed=123)]
    again = [out for out, _ in a.anonymize_stream(frames)]
    assert a.seed == 7 and set(method.seen[:3]) == {123} and set(method.seen[3:]) == {7}
    assert not np.array_equal(outs[0], again[0])
