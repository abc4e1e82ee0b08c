"""--resample: how a new face is scaled up into the photo; a job resumed with another one is refused."""

from __future__ import annotations

import numpy as np

from id2face.cli.main import main
from id2face.io.images import save_image


def test_resample_changes_only_the_enlarged_face_and_a_resumed_job_must_keep_it(
        tmp_path, big_astronaut, outputs_per_value, capsys):
    outs = outputs_per_value(big_astronaut, "--resample", ("linear", "cubic"), "--steps", "2")
    changed = np.abs(outs["cubic"] - outs["linear"]).max(-1) > 0
    assert changed.sum() > 1000  # the new face
    assert not changed[:, : big_astronaut.shape[1] // 4].any()  # nowhere near the photo's left edge

    code = main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "resample-linear"), "-q",
                 "--steps", "2"])
    assert code != 0 and "resample" in capsys.readouterr().err  # the default is cubic: another look


def test_an_unknown_resampling_is_refused_by_the_parser(tmp_path, astronaut, capsys):
    save_image(astronaut, tmp_path / "a.png")
    args = ["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--resample", "nearest"]
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    assert code != 0 and "nearest" in capsys.readouterr().err
    assert not (tmp_path / "o" / "a.png").exists()
