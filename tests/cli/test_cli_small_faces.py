"""--small-faces: every tiled scale of a large photo is looked at whole, not only where a crowd or its traces
show, so a far crowd of faces under ~25 px on a smooth backdrop is found where the default skips the finest
scale; a job resumed with the other choice is refused."""

from __future__ import annotations

import json

import id2face.face.detect as detect
from id2face.cli.main import main
from id2face.face.config import DetectorConfig
from id2face.io.images import save_image


def test_small_faces_reaches_the_detector_and_a_resumed_job_must_keep_it(tmp_path, far_crowd, capsys,
                                                                          monkeypatch):
    photo, centres = far_crowd
    save_image(photo, tmp_path / "crowd.jpg")
    groups = []
    real = detect.centerface_tiles

    def spy(*args, **kwargs):
        groups.append(kwargs["group"])
        return real(*args, **kwargs)

    monkeypatch.setattr(detect, "centerface_tiles", spy)
    faces = {}
    for name, extra in (("default", []), ("small", ["--small-faces"])):
        log = tmp_path / f"{name}.jsonl"
        args = ["anonymize", str(tmp_path / "crowd.jpg"), "-o", str(tmp_path / name), "-q", "-m", "blur",
                "--log", str(log), *extra]
        groups.clear()
        assert main(args) == 0
        faces[name] = json.loads(log.read_text().splitlines()[-1])["faces"]
        assert groups and set(groups) == {0 if extra else DetectorConfig.centerface_fine_group}
    assert faces["small"] >= len(centres) - 2 and faces["default"] <= 4
    code = main(["anonymize", str(tmp_path / "crowd.jpg"), "-o", str(tmp_path / "small"), "-q", "-m", "blur"])
    assert code != 0 and "small_faces" in capsys.readouterr().err
