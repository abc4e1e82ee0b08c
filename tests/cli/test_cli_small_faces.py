"""--small-faces: every tiled scale of a large photo is looked at, so a far crowd of faces under ~25 px is
found where the default skips the finest scale; a job resumed with the other choice is refused."""

from __future__ import annotations

import json

from id2face.cli.main import main
from id2face.io.images import save_image


def test_small_faces_reaches_the_detector_and_a_resumed_job_must_keep_it(tmp_path, far_crowd, capsys):
    photo, centres = far_crowd
    save_image(photo, tmp_path / "crowd.jpg")
    faces = {}
    for name, extra in (("default", []), ("small", ["--small-faces"])):
        log = tmp_path / f"{name}.jsonl"
        args = ["anonymize", str(tmp_path / "crowd.jpg"), "-o", str(tmp_path / name), "-q", "-m", "blur",
                "--log", str(log), *extra]
        assert main(args) == 0
        faces[name] = json.loads(log.read_text().splitlines()[-1])["faces"]
    assert faces["small"] >= len(centres) - 2 and faces["default"] <= 4
    code = main(["anonymize", str(tmp_path / "crowd.jpg"), "-o", str(tmp_path / "small"), "-q", "-m", "blur"])
    assert code != 0 and "small_faces" in capsys.readouterr().err
