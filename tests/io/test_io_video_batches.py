"""Batched frame processing: same frames out, in order, whatever the batch size; failures leave nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from id2face.io.video import (
    frame_chunks,
    probe_video,
    process_video,
    process_video_batches,
    process_video_stream,
    read_frames,
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """11 frames of testsrc with a sine track (11 is not a multiple of the batch sizes used)."""
    path = tmp_path_factory.mktemp("src") / "clip.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=64x48:rate=11:duration=1",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac",
                    "-c:v", "libx264", "-pix_fmt", "yuv444p", str(path)], check=True)
    return path


def test_frame_chunks_keep_order_and_indices():
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(7)]
    chunks = list(frame_chunks(frames, 3))
    assert [idx for _, idx in chunks] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [int(f[0, 0, 0]) for fs, _ in chunks for f in fs] == list(range(7))
    with pytest.raises(ValueError):
        list(frame_chunks(frames, 0))


def test_batches_give_the_frames_of_process_video(clip, tmp_path):
    def mark(frame: np.ndarray, index: int) -> np.ndarray:
        out = 255 - frame
        out[:8, :8] = 20 * index  # the index must arrive with its own frame
        return out

    calls: list[list[int]] = []

    def mark_batch(frames: list[np.ndarray], indices: list[int]) -> list[np.ndarray]:
        calls.append(indices)
        return [mark(f, i) for f, i in zip(frames, indices, strict=True)]

    one = process_video(clip, tmp_path / "one.mp4", mark, progress=False)
    four = process_video_batches(clip, tmp_path / "four.mp4", mark_batch, batch_size=4, progress=False)
    assert calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    assert one.frames == four.frames == 11 and four.has_audio and four.frame_rate == one.frame_rate
    assert probe_video(tmp_path / "four.mp4").size == (64, 48)
    a, b = list(read_frames(tmp_path / "one.mp4")), list(read_frames(tmp_path / "four.mp4"))
    assert len(a) == len(b) == 11
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("bad", ["short", "raise"])
def test_a_bad_batch_leaves_nothing(clip, tmp_path, bad):
    def batch_fn(frames: list[np.ndarray], indices: list[int]) -> list[np.ndarray]:
        if indices[0] >= 4:
            if bad == "raise":
                raise RuntimeError("model failed")
            return frames[:-1]
        return frames

    with pytest.raises((RuntimeError, ValueError)):
        process_video_batches(clip, tmp_path / "out.mp4", batch_fn, batch_size=4, progress=False)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        process_video_batches(clip, tmp_path / "out.mp4", batch_fn, batch_size=0, progress=False)


def test_a_stream_transform_may_read_ahead_and_must_give_every_frame_back(clip, tmp_path):
    def delayed(frames):  # gives frame i back once frame i + 3 was read (a lookahead), then the rest
        held = []
        for f in frames:
            held.append(255 - f)
            if len(held) > 3:
                yield held.pop(0)
        yield from held

    stats = process_video_stream(clip, tmp_path / "ahead.mp4", delayed, progress=False)
    assert stats.frames == 11 and stats.has_audio
    process_video(clip, tmp_path / "plain.mp4", lambda f, i: 255 - f, progress=False)
    a, b = list(read_frames(tmp_path / "ahead.mp4")), list(read_frames(tmp_path / "plain.mp4"))
    assert len(a) == len(b) == 11 and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))

    def short(frames):
        yield from list(frames)[:-1]

    with pytest.raises(ValueError, match="10 frames came back for 11"):
        process_video_stream(clip, tmp_path / "short.mp4", short, progress=False)

    def first_five(frames):  # stops reading: the rest of the video would be lost
        for _, f in zip(range(5), frames, strict=False):
            yield f

    with pytest.raises(ValueError, match="after frame 4 were never read"):
        process_video_stream(clip, tmp_path / "cut.mp4", first_five, progress=False)
    assert not (tmp_path / "short.mp4").exists() and not (tmp_path / "cut.mp4").exists()
