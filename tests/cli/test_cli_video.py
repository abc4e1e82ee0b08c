import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.cli.main import main
from id2face.io.video import probe_video, read_frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory, astronaut):
    """A 1 s, 8 fps clip of the sample face drifting right, with a sine audio track."""
    d = tmp_path_factory.mktemp("clip")
    frames = [np.ascontiguousarray(np.roll(astronaut[::2, ::2], 4 * i, axis=1)) for i in range(8)]
    raw = b"".join(f.tobytes() for f in frames)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [
        ffmpeg,
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        "256x256",
        "-r",
        "8",
        "-i",
        "-",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-shortest",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        str(d / "clip.mp4"),
    ]
    subprocess.run(cmd, input=raw, check=True)
    return d / "clip.mp4"


def test_video_round_trip_keeps_frames_fps_audio(clip, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["anonymize", str(clip), "-o", str(out), "-m", "pixelate", "-q"]) == 0
    src, dst = probe_video(clip), probe_video(out / "clip.mp4")
    assert dst.size == src.size and dst.frame_rate == src.frame_rate and dst.has_audio
    fin, fout = list(read_frames(clip)), list(read_frames(out / "clip.mp4"))
    assert len(fout) == len(fin) == 8
    for a, b in zip(fin, fout, strict=True):
        assert np.abs(a[40:80, 95:125].astype(int) - b[40:80, 95:125]).mean() > 8  # face region changed
    assert "8 face(s)" in capsys.readouterr().err


def test_video_tracks_keep_one_id(clip, tmp_path):
    seen = []

    class Recorder:
        name, crop_size, color_match = "rec", 64, False
        from id2face.geometry import FFHQ as template

        def __call__(self, crops, masks, faces, seed):
            seen.extend(f.track_id for f in faces)
            return 255 - crops

    Anonymizer(method=Recorder()).anonymize_video(clip, tmp_path / "o.mp4", progress=False)
    assert len(seen) == 8 and len(set(seen)) == 1 and seen[0] is not None
