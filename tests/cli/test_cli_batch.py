"""`id2face anonymize --batch N`: the same files, errors, counts and exit code as one photo at a time."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from id2face.cli.main import main
from id2face.io.images import save_image
from id2face.io.video import read_frames


@pytest.fixture()
def folder(tmp_path, astronaut):
    """5 photos (sorted: a, b, broken, c, noface): batches of 3 are [a, b, broken] and [c, noface]."""
    src = tmp_path / "in"
    src.mkdir()
    save_image(astronaut, src / "a.png")
    save_image(astronaut[:, ::-1], src / "b.jpg")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    save_image(np.roll(astronaut, 40, axis=0), src / "c.png")
    save_image(np.full((64, 64, 3), 90, np.uint8), src / "noface.png")
    return src


def _run(args, capsys):
    rc = main(["anonymize", *args, "-m", "pixelate"])
    return rc, capsys.readouterr().err


def test_batch_gives_the_files_of_one_at_a_time(folder, tmp_path, capsys):
    rc1, err1 = _run([str(folder), "-o", str(tmp_path / "one"), "-q"], capsys)
    rc3, err3 = _run([str(folder), "-o", str(tmp_path / "three"), "-q", "--batch", "3"], capsys)
    assert rc1 == rc3 == 1
    for err in (err1, err3):
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "broken.jpg" in errors[0]
        assert "3 file(s) anonymized, 1 unchanged, 0 skipped (exist), 1 failed; 3 face(s)" in err
    names = ["a.png", "b.jpg", "c.png", "noface.png"]
    for d in ("one", "three"):
        assert sorted(p.name for p in (tmp_path / d).iterdir() if p.name != ".id2face") == names
    for n in names:
        assert (tmp_path / "one" / n).read_bytes() == (tmp_path / "three" / n).read_bytes(), n
    assert (tmp_path / "one" / "a.png").read_bytes() != (folder / "a.png").read_bytes()


def test_batch_skips_finished_outputs_and_counts_them(folder, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    _run([str(folder), "-o", str(out), "-q", "--batch", "3"], capsys)
    (out / "c.png").unlink()
    stamp = (out / "a.png").stat().st_mtime_ns
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the bar shows on a terminal only
    rc, err = _run([str(folder), "-o", str(out), "--batch", "3"], capsys)  # with the progress bar
    assert rc == 1 and "1 file(s) anonymized, 3 skipped (exist), 1 failed" in err
    assert "5/5" in err  # the bar counts every job once
    assert (out / "a.png").stat().st_mtime_ns == stamp and (out / "c.png").is_file()
    rc, err = _run([str(folder), "-o", str(out), "-q", "--batch", "3", "--overwrite"], capsys)
    assert "3 file(s) anonymized, 1 unchanged, 0 skipped" in err
    assert main(["anonymize", str(folder), "-m", "pixelate", "--batch", "0", "-q"]) == 2


def test_video_batch_equals_one_frame_at_a_time(tmp_path, astronaut, drifting_clip, capsys):
    clip = drifting_clip(6, 4, 6, pix_fmt="yuv420p")
    save_image(astronaut, tmp_path / "photo.png")
    inputs = [str(tmp_path / "photo.png"), str(clip)]
    assert _run([*inputs, "-o", str(tmp_path / "one"), "-q"], capsys)[0] == 0
    rc, err = _run([*inputs, "-o", str(tmp_path / "four"), "-q", "--batch", "4"], capsys)
    assert rc == 0 and "2 file(s) anonymized" in err and "7 face(s)" in err
    one, four = (
        list(read_frames(tmp_path / "one" / clip.name)),
        list(read_frames(tmp_path / "four" / clip.name)),
    )
    assert len(one) == len(four) == 6
    assert all(np.array_equal(a, b) for a, b in zip(one, four, strict=True))
    assert (tmp_path / "one" / "photo.png").read_bytes() == (tmp_path / "four" / "photo.png").read_bytes()
