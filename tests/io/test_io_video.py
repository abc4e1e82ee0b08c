"""Video I/O on tiny synthetic clips made with the bundled ffmpeg: round trips keep frames, rate, size and
audio, drop metadata, and failures leave nothing behind."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from id2face.io.video import (
    MediaError,
    VideoWriter,
    _exact_rate,
    is_video,
    probe_video,
    process_video,
    read_frames,
)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-v", "error", "-y", *args], check=True)


def header(path: Path) -> str:
    """What `ffmpeg -i` reports about a file (all tags included)."""
    return subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def make_clip(path: Path, size: str = "65x49", rate: str = "10", seconds: float = 2.0, audio: bool = True,
              extra: tuple[str, ...] = ()) -> Path:
    """testsrc (+ sine), yuv444p so odd sizes encode, with tags that must not survive."""
    args = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac",
                 "-metadata:s:a:0", "title=SECRET_AUDIO_TAG"]
    args += ["-c:v", "libx264", "-pix_fmt", "yuv444p", "-metadata", "title=SECRET_TITLE",
             "-metadata", "location=+48.8584+002.2945/", *extra, str(path)]
    ffmpeg(*args)
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("src") / "clip.mp4")


@pytest.fixture(scope="module")
def silent_clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("src") / "silent.mp4", size="64x48", audio=False)


def invert(frame: np.ndarray, index: int) -> np.ndarray:
    return 255 - frame


def test_is_video():
    assert is_video("a/b.MP4") and is_video("x.webm") and is_video("x.mpeg")
    assert not is_video("x.jpg") and not is_video("x") and not is_video("x.mp3")


def test_probe(clip):
    info = probe_video(clip)
    assert info.size == (65, 49)
    assert info.frame_rate == 10 and info.fps == 10.0
    assert info.n_frames == 20
    assert info.has_audio and info.audio_codec == "aac"
    assert info.codec == "h264" and info.rotation == 0


def test_read_frames(clip):
    frames = list(read_frames(clip))
    assert len(frames) == imageio_ffmpeg.count_frames_and_secs(str(clip))[0] == 20
    assert frames[0].shape == (49, 65, 3) and frames[0].dtype == np.uint8
    assert frames[0].flags.writeable
    assert not np.array_equal(frames[0], frames[10])  # testsrc moves


def test_round_trip_keeps_frames_rate_size_audio_and_drops_metadata(clip, tmp_path):
    source_header = header(clip)
    assert (
        "SECRET_TITLE" in source_header
        and "SECRET_AUDIO_TAG" in source_header
        and "location" in source_header
    )
    dst = tmp_path / "out.mp4"
    stats = process_video(clip, dst, invert, progress=False)
    assert stats.frames == 20 and stats.size == (65, 49) and stats.has_audio
    info = probe_video(dst)
    assert info.size == (65, 49) and info.frame_rate == 10 and info.has_audio
    assert imageio_ffmpeg.count_frames_and_secs(str(dst))[0] == 20
    text = header(dst)
    assert "SECRET" not in text and "location" not in text and "encoder" not in text
    src_frames = list(read_frames(clip))
    out_frames = list(read_frames(dst))
    assert len(out_frames) == 20
    err = np.mean(
        [np.abs(255 - o.astype(int) - s).mean() for o, s in zip(out_frames, src_frames, strict=True)]
    )
    assert err < 4.0  # colours survive (BT.709 tagged both ways), frames in order
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


@pytest.mark.parametrize("ext", [".mkv", ".webm", ".avi", ".mov"])
def test_other_containers(clip, tmp_path, ext):
    dst = tmp_path / f"out{ext}"
    process_video(clip, dst, invert, progress=False)
    info = probe_video(dst)
    assert info.size == (65, 49) and info.frame_rate == 10 and info.has_audio
    assert len(list(read_frames(dst))) == 20
    assert "SECRET" not in header(dst)


def test_no_audio_source_and_keep_audio_false(clip, silent_clip, tmp_path):
    out = tmp_path / "silent_out.mp4"
    stats = process_video(silent_clip, out, invert, progress=False)
    assert not stats.has_audio and not probe_video(out).has_audio
    assert probe_video(out).size == (64, 48)
    muted = tmp_path / "muted.mp4"
    stats = process_video(clip, muted, invert, progress=False, keep_audio=False)
    assert not stats.has_audio and not probe_video(muted).has_audio


def test_ntsc_rate_is_kept_exactly(tmp_path):
    assert _exact_rate(29.97) == Fraction(30000, 1001) and _exact_rate(23.98) == Fraction(24000, 1001)
    assert _exact_rate(25.0) == 25 and _exact_rate(12.5) == Fraction(25, 2)
    src = make_clip(tmp_path / "ntsc.mp4", size="32x32", rate="30000/1001", seconds=0.5)
    dst = tmp_path / "ntsc_out.mp4"
    stats = process_video(src, dst, lambda f, i: f, progress=False)
    assert probe_video(dst).frame_rate == Fraction(30000, 1001)
    assert stats.frames == imageio_ffmpeg.count_frames_and_secs(str(dst))[0]


def test_rotation_metadata_is_applied(clip, tmp_path):
    rotated = tmp_path / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(clip), "-c", "copy", str(rotated))
    info = probe_video(rotated)
    assert info.rotation in (90, 270) and info.size == (49, 65)
    frames = list(read_frames(rotated))
    assert len(frames) == 20 and frames[0].shape == (65, 49, 3)
    out = tmp_path / "upright.mp4"
    process_video(rotated, out, lambda f, i: f, progress=False)
    assert probe_video(out).size == (49, 65) and probe_video(out).rotation == 0


def test_in_place(clip, tmp_path):
    target = tmp_path / "inplace.mp4"
    target.write_bytes(clip.read_bytes())
    before = list(read_frames(target))[3]
    process_video(target, target, invert, progress=False)
    after = list(read_frames(target))[3]
    assert np.abs(255 - after.astype(int) - before).mean() < 4.0
    assert probe_video(target).has_audio
    assert [p.name for p in tmp_path.iterdir()] == ["inplace.mp4"]


@pytest.mark.parametrize("content", [b"", b"this is not a video\n" * 50, bytes(range(256)) * 64])
def test_unreadable_input_raises_media_error_and_writes_nothing(tmp_path, content):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(content)
    dst = tmp_path / "out" / "never.mp4"
    with pytest.raises(MediaError, match="broken.mp4") as err:
        process_video(bad, dst, invert, progress=False)
    assert "\n" not in str(err.value)
    assert not dst.exists() and not (dst.parent.exists() and any(dst.parent.iterdir()))


def test_truncated_and_missing_and_image_inputs(clip, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    with pytest.raises(MediaError, match="cut.mp4"):
        process_video(cut, tmp_path / "o.mp4", invert, progress=False)
    with pytest.raises(MediaError, match="nothere.mp4"):
        probe_video(tmp_path / "nothere.mp4")
    png = tmp_path / "still.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32", "-frames:v", "1", str(png))
    with pytest.raises(MediaError, match="still.png"):
        probe_video(png)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4", "still.png"]


def test_exception_in_process_frame_leaves_nothing(clip, tmp_path):
    dst = tmp_path / "out.mp4"

    def boom(frame: np.ndarray, index: int) -> np.ndarray:
        if index == 7:
            raise RuntimeError("model failed")
        return frame

    with pytest.raises(RuntimeError, match="model failed"):
        process_video(clip, dst, boom, progress=False)
    assert list(tmp_path.iterdir()) == []

    dst.write_bytes(b"previous result")  # an existing output survives a failed run untouched
    with pytest.raises(RuntimeError):
        process_video(clip, dst, boom, progress=False)
    assert dst.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


def test_writer_rejects_bad_frames_and_empty_videos(tmp_path):
    dst = tmp_path / "w.mp4"
    with pytest.raises(ValueError, match="33x20"):
        with VideoWriter(dst, fps=5) as w:
            w.write(np.zeros((20, 32, 3), np.uint8))
            w.write(np.zeros((20, 33, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        with VideoWriter(dst, fps=5) as w:
            w.write(np.zeros((20, 32, 3), np.float32))
    with pytest.raises(MediaError, match="no frames"):
        with VideoWriter(dst, fps=5):
            pass
    with pytest.raises(MediaError, match="unsupported"):
        VideoWriter(tmp_path / "w.gif", fps=5)
    assert list(tmp_path.iterdir()) == []


def test_writer_alone_with_audio_from_silent_source(silent_clip, tmp_path):
    dst = tmp_path / "w.mkv"
    with VideoWriter(dst, fps=Fraction(15), audio_from=silent_clip) as w:
        for i in range(6):
            w.write(np.full((31, 17, 3), 40 * i, np.uint8))
    assert w.frames_written == 6 and not w.has_audio
    info = probe_video(dst)
    assert info.size == (17, 31) and info.frame_rate == 15 and not info.has_audio
    frames = list(read_frames(dst))
    assert len(frames) == 6
    assert [int(round(f.mean())) for f in frames] == pytest.approx([0, 40, 80, 120, 160, 200], abs=2)
