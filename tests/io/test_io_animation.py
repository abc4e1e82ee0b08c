"""Animated pictures: every frame read and written back, with its timing, transparency and nothing else."""

import numpy as np
import pytest
from PIL import Image

from id2face.io.animation import (
    Animation,
    decode_animation,
    encode_animation,
    frame_count,
    load_animation,
    save_animation,
)
from id2face.io.images import MediaError


def _frames(n: int = 3, size: int = 48) -> list[np.ndarray]:
    frames = []
    for i in range(n):
        f = np.zeros((size, size, 3), np.uint8)
        f[10:30, 5 + 6 * i: 25 + 6 * i] = (200, 40 + 60 * i, 30)  # a square moving right, changing colour
        frames.append(f)
    return frames


def _write(path, frames, alpha=None, **options):
    ims = [Image.fromarray(f) if alpha is None else Image.fromarray(np.dstack([f, alpha]), "RGBA")
           for f in frames]
    ims[0].save(path, save_all=True, append_images=ims[1:], **options)


@pytest.mark.parametrize("ext", [".gif", ".webp", ".png", ".tiff"])
def test_frames_timing_and_loop_come_back(tmp_path, ext):
    frames = _frames()
    src, dst = tmp_path / f"in{ext}", tmp_path / f"out{ext}"
    timing = {} if ext == ".tiff" else {"duration": [120, 80, 200], "loop": 0}
    _write(src, frames, **timing)
    assert frame_count(src) == 3
    anim = load_animation(src)
    assert len(anim.frames) == 3 and anim.alphas == [None] * 3
    assert np.abs(anim.frames[2].astype(int) - frames[2]).mean() < 3
    save_animation(anim, [f[:, ::-1].copy() for f in anim.frames], dst)  # mirrored: new pixels written
    back = load_animation(dst)
    assert len(back.frames) == 3
    assert np.abs(back.frames[1].astype(int) - frames[1][:, ::-1]).mean() < 3
    if timing:
        assert back.durations == [120, 80, 200] and back.loop == 0


def test_transparency_of_each_frame_is_kept(tmp_path):
    frames = _frames()
    alpha = np.full((48, 48), 255, np.uint8)
    alpha[:, :8] = 0
    _write(tmp_path / "in.gif", frames, alpha=alpha, duration=100, loop=0, disposal=2)
    anim = load_animation(tmp_path / "in.gif")
    assert all(a is not None and (a[:, :8] == 0).all() and (a[:, 8:] == 255).all() for a in anim.alphas)
    save_animation(anim, anim.frames, tmp_path / "out.gif")
    back = load_animation(tmp_path / "out.gif")
    assert all(np.array_equal(a, b) for a, b in zip(anim.alphas, back.alphas, strict=True))


def test_a_play_once_gif_still_plays_once_and_carries_no_comment(tmp_path):
    _write(tmp_path / "in.gif", _frames(), duration=50, comment=b"shot at 12 Main St by J. Doe")
    anim = load_animation(tmp_path / "in.gif")
    assert anim.loop is None
    save_animation(anim, anim.frames, tmp_path / "out.gif")
    with Image.open(tmp_path / "out.gif") as im:
        assert "loop" not in im.info and "comment" not in im.info
        assert b"Main St" not in (tmp_path / "out.gif").read_bytes()


def test_still_and_unreadable_files_count_one_frame(tmp_path):
    Image.fromarray(_frames(1)[0]).save(tmp_path / "still.gif")
    (tmp_path / "bad.gif").write_bytes(b"GIF89a not really")
    (tmp_path / "clip.mp4").write_bytes(b"")
    assert [frame_count(tmp_path / n) for n in ("still.gif", "bad.gif", "clip.mp4", "none.gif")] == [1] * 4


def test_limits_and_bad_files_are_one_line_errors(tmp_path):
    _write(tmp_path / "in.gif", _frames(), duration=100)
    with pytest.raises(MediaError, match="frame 2 of 3, counted over all frames"):
        load_animation(tmp_path / "in.gif", max_pixels=48 * 48 + 1)
    (tmp_path / "empty.gif").write_bytes(b"")
    with pytest.raises(MediaError, match="empty file"):
        load_animation(tmp_path / "empty.gif")
    anim = load_animation(tmp_path / "in.gif")
    with pytest.raises(MediaError, match="holds one frame"):
        save_animation(anim, anim.frames, tmp_path / "out.jpg")
    with pytest.raises(ValueError, match="2 frames given for an animation of 3"):
        save_animation(anim, anim.frames[:2], tmp_path / "out.gif")
    assert not list(tmp_path.glob("out*")) and not list(tmp_path.glob(".out*"))


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_bytes_in_and_out_are_the_files_own(tmp_path, fmt):
    """The web's path (an upload in memory, the answer in memory) reads and writes what the files do."""
    _write(tmp_path / "in.gif", _frames(), duration=[120, 80, 200], loop=0)
    data = (tmp_path / "in.gif").read_bytes()
    from_file, from_bytes = load_animation(tmp_path / "in.gif"), decode_animation(data, "up.gif")
    assert all(np.array_equal(a, b) for a, b in zip(from_file.frames, from_bytes.frames, strict=True))
    assert from_bytes.durations == [120, 80, 200] and from_bytes.loop == 0
    out = tmp_path / f"out.{fmt.lower()}"
    save_animation(from_file, from_file.frames, out)
    assert encode_animation(from_bytes, from_bytes.frames, fmt) == out.read_bytes()
    with pytest.raises(MediaError, match="up.gif: empty file"):
        decode_animation(b"", "up.gif")
    with pytest.raises(MediaError, match="up.gif: its frames exceed"):
        decode_animation(data, "up.gif", max_pixels=48 * 48 * 2)
    with pytest.raises(ValueError, match="JPEG holds one frame"):
        encode_animation(from_bytes, from_bytes.frames, "JPEG")


def test_an_exif_turned_animation_is_read_upright(tmp_path):
    frames = [np.ascontiguousarray(np.rot90(f)) for f in _frames()]  # stored turned a quarter
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to view"
    _write(tmp_path / "in.webp", frames, duration=100, exif=exif, lossless=True)
    anim = load_animation(tmp_path / "in.webp")
    assert np.array_equal(anim.frames[0], np.rot90(frames[0], -1))


def test_animation_dataclass_defaults():
    anim = Animation(frames=[np.zeros((4, 4, 3), np.uint8)], durations=[0])
    assert anim.loop is None and anim.alphas == []
