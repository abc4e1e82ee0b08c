
import numpy as np
import pytest

from id2face.anonymizer import Anonymizer
from id2face.cli.main import main
from id2face.geometry import FFHQ
from id2face.io.video import read_frames


@pytest.fixture(scope="module")
def clip(drifting_clip):
    """8 frames of the sample face drifting right: a stand-in for a camera (OpenCV opens both alike)."""
    return drifting_clip(8, 4, 8)


def test_live_records_only_anonymized_frames(clip, tmp_path, capsys):
    out = tmp_path / "rec.mp4"
    rc = main(["live", str(clip), "-o", str(out), "--no-preview", "-m", "pixelate", "--max-frames", "5"])
    assert rc == 0 and "5 frame(s), 5 face(s)" in capsys.readouterr().err
    src, rec = list(read_frames(clip))[:5], list(read_frames(out))
    assert len(rec) == 5
    face = (slice(30, 90), slice(85, 150))  # the face area of the first frame
    assert np.abs(rec[0][face].astype(int) - src[0][face]).mean() > 8


def test_live_errors_are_one_line(tmp_path, capsys, monkeypatch):
    assert main(["live", str(tmp_path / "nope.mp4"), "--no-preview", "-m", "blur"]) == 2
    assert "cannot open" in capsys.readouterr().err
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["live", str(tmp_path / "nope.mp4"), "-m", "blur"]) == 2
    assert "no display" in capsys.readouterr().err


def test_stream_without_a_seed_keeps_one_run_seed(astronaut):
    seeds = []

    class Recorder:
        name, crop_size, template, color_match = "rec", 64, FFHQ, False

        def __call__(self, crops, masks, faces, seed):
            seeds.append(seed)
            return 255 - crops

    anon = Anonymizer(method=Recorder(), seed=None)
    outs = list(anon.anonymize_stream([astronaut, astronaut[:, ::-1].copy(), astronaut]))
    assert len(outs) == 3 and all(rep.faces == 1 for _, rep in outs)
    assert len(set(seeds)) == 1 and seeds[0] is not None and anon.seed is None
