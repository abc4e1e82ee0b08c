"""--blend: what is pasted back (the region less the background past the head, the face inside its outline, or
the whole replaced region)."""

from __future__ import annotations

import pytest

from id2face.cli.main import main
from id2face.io.images import load_image, save_image


def _changed_by_blend(tmp_path, astronaut, method: str) -> dict[str, int]:
    save_image(astronaut, tmp_path / "a.png")
    changed = {}
    for flag in ([], ["--blend", "face"], ["--blend", "person"], ["--blend", "region"]):
        out = tmp_path / method / ("-".join(flag) or "default")
        assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(out), "-m", method, "-q", *flag]) == 0
        changed[" ".join(flag)] = int((load_image(out / "a.png") != astronaut).any(-1).sum())
    return changed


def test_a_new_face_is_pasted_less_the_background_by_default(tmp_path, astronaut):
    changed = _changed_by_blend(tmp_path, astronaut, "id2face")
    assert changed[""] == changed["--blend person"]
    assert 0 < changed["--blend face"] < changed[""] < changed["--blend region"]


def test_a_blur_pastes_its_whole_region_unless_asked_for_the_face_only(tmp_path, astronaut):
    changed = _changed_by_blend(tmp_path, astronaut, "blur")
    assert changed[""] == changed["--blend person"] == changed["--blend region"]
    assert 0 < changed["--blend face"] < changed[""]


def test_unknown_blend_is_a_usage_error(tmp_path, astronaut, capsys):
    save_image(astronaut, tmp_path / "a.png")
    with pytest.raises(SystemExit) as e:
        main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--blend", "edge"])
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err
