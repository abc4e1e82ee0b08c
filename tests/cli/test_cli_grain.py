"""--grain: the fine grain a new face scaled up into the photo gets."""

from __future__ import annotations

import numpy as np

from id2face.cli.main import main
from id2face.io.images import save_image


def test_grain_changes_only_a_generated_face_and_off_is_off(big_astronaut, outputs_per_value):
    outs = outputs_per_value(big_astronaut, "--grain", ("0", "1"), "--steps", "2")
    changed = np.abs(outs["1"] - outs["0"]).max(-1) > 0
    assert changed.sum() > 1000  # grain over the new face
    assert not changed[:, : big_astronaut.shape[1] // 4].any()  # and nowhere near the photo's left edge


def test_a_grain_out_of_range_is_refused_with_the_flag_named(tmp_path, astronaut, capsys):
    save_image(astronaut, tmp_path / "a.png")
    code = main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--grain", "3"])
    assert code != 0 and "--grain must be from 0 to 2" in capsys.readouterr().err
    assert not (tmp_path / "o" / "a.png").exists()
