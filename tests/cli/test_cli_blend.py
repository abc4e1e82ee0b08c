"""--blend: what is pasted back (the face inside its outline, or the whole replaced region)."""

from __future__ import annotations

import pytest

from id2face.cli.main import main
from id2face.io.images import load_image, save_image


def test_blend_face_keeps_more_of_the_photo_than_the_default_region(tmp_path, astronaut):
    save_image(astronaut, tmp_path / "a.png")
    changed = {}
    for flag in ([], ["--blend", "face"], ["--blend", "region"]):
        out = tmp_path / ("-".join(flag) or "default")
        assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(out), "-m", "blur", "-q", *flag]) == 0
        changed[" ".join(flag)] = int((load_image(out / "a.png") != astronaut).any(-1).sum())
    assert changed[""] == changed["--blend region"]
    assert 0 < changed["--blend face"] < changed[""]


def test_unknown_blend_is_a_usage_error(tmp_path, astronaut, capsys):
    save_image(astronaut, tmp_path / "a.png")
    with pytest.raises(SystemExit) as e:
        main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--blend", "edge"])
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err
