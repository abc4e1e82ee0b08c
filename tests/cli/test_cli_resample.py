"""--resample: how a new face is scaled up into the photo; a job resumed with another one is refused."""

from __future__ import annotations

import numpy as np

from id2face.cli.main import main
from id2face.io.images import load_image, save_image


def test_resample_changes_only_the_enlarged_face_and_a_resumed_job_must_keep_it(tmp_path, astronaut, capsys):
    big = np.repeat(np.repeat(astronaut, 2, axis=0), 2, axis=1)  # a 190-px face: its crop is scaled up
    save_image(big, tmp_path / "a.png")
    outs = {}
    for mode in ("linear", "cubic"):
        out = tmp_path / mode
        assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(out), "-q", "--steps", "2",
                     "--resample", mode]) == 0
        outs[mode] = load_image(out / "a.png").astype(int)
    changed = np.abs(outs["cubic"] - outs["linear"]).max(-1) > 0
    assert changed.sum() > 1000  # the new face
    assert not changed[:, : big.shape[1] // 4].any()  # nowhere near the photo's left edge

    code = main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "linear"), "-q", "--steps", "2"])
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
