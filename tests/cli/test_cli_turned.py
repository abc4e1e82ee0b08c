"""--turned: faces lying beside upright ones are looked for on turned copies (always, the default), only
in photos with no upright face (empty), or never; a job resumed with another choice is refused."""

from __future__ import annotations

import json

import cv2
import numpy as np

from id2face.cli.main import main
from id2face.io.images import save_image


def test_turned_choice_reaches_the_detector_and_a_resumed_job_must_keep_it(tmp_path, astronaut, capsys):
    small = cv2.resize(np.rot90(astronaut, 2), None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA)
    photo = np.full((512, 1024, 3), 120, np.uint8)
    photo[:, :512] = astronaut
    photo[100:100 + small.shape[0], 600:600 + small.shape[1]] = small  # upside down beside the upright face
    save_image(photo, tmp_path / "lying.png")
    faces = {}
    for choice in ("always", "empty", "never"):
        log = tmp_path / f"{choice}.jsonl"
        args = ["anonymize", str(tmp_path / "lying.png"), "-o", str(tmp_path / choice), "-q", "-m", "blur",
                "--log", str(log), "--turned", choice]
        assert main(args) == 0
        faces[choice] = json.loads(log.read_text().splitlines()[-1])["faces"]
    assert faces == {"always": 2, "empty": 1, "never": 1}
    code = main(["anonymize", str(tmp_path / "lying.png"), "-o", str(tmp_path / "empty"), "-q", "-m", "blur"])
    assert code != 0 and "turned" in capsys.readouterr().err
