
import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.cli.main import main
from id2face.io.video import probe_video, read_frames


@pytest.fixture(scope="module")
def clip(drifting_clip):
    """A 1 s, 8 fps clip of the sample face drifting right, with a sine audio track."""
    return drifting_clip(8, 4, 8, pix_fmt="yuv420p", audio=True)


def test_video_round_trip_keeps_frames_fps_audio(clip, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["anonymize", str(clip), "-o", str(out), "-m", "pixelate", "-q"]) == 0
    src, dst = probe_video(clip), probe_video(out / clip.name)
    assert dst.size == src.size and dst.frame_rate == src.frame_rate and dst.has_audio
    fin, fout = list(read_frames(clip)), list(read_frames(out / clip.name))
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
