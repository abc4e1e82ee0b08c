"""--mask-grow: how far the replaced region reaches past the face's outline."""

from __future__ import annotations

from id2face.cli.main import main
from id2face.io.images import save_image


def test_a_wider_region_changes_more_of_the_photo(astronaut, outputs_per_value):
    outs = outputs_per_value(astronaut, "--mask-grow", ("0", "0.15"), "-m", "blur")
    changed = {grow: int((out != astronaut).any(-1).sum()) for grow, out in outs.items()}
    assert 0 < changed["0"] < changed["0.15"]


def test_a_growth_beyond_the_crop_is_refused_with_the_flag_named(tmp_path, astronaut, capsys):
    save_image(astronaut, tmp_path / "a.png")
    code = main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--mask-grow", "0.9"])
    err = capsys.readouterr().err
    assert code != 0 and "--mask-grow must be from 0 to 0.5" in err
    assert not (tmp_path / "o" / "a.png").exists()
