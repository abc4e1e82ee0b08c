"""--unsure: a face found on weak evidence is blurred (the default) or given a new face; a job resumed with
the other choice is refused."""

from __future__ import annotations

import json

import numpy as np

from id2face.cli.main import main
from id2face.face.detect import FaceDetector
from id2face.io.images import load_image, save_image


def test_unsure_choice_reaches_the_anonymizer_and_a_resumed_job_must_keep_it(tmp_path, astronaut, monkeypatch,
                                                                              capsys):
    detect = FaceDetector.detect

    def everything_unsure(self, image, faint=True, finer=True):
        faces = detect(self, image, faint, finer)
        for f in faces:
            f.unsure = True
        return faces

    monkeypatch.setattr(FaceDetector, "detect", everything_unsure)
    save_image(astronaut, tmp_path / "a.png")
    outs, logs = {}, {}
    for choice in ("blur", "replace"):
        log = tmp_path / f"{choice}.jsonl"
        args = ["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / choice), "-q", "--steps", "1",
                "--log", str(log)]
        assert main([*args, "--unsure", choice]) == 0
        outs[choice] = load_image(tmp_path / choice / "a.png")
        logs[choice] = json.loads(log.read_text().splitlines()[-1])
    assert logs["blur"]["faces"] == logs["replace"]["faces"] == 1
    assert logs["blur"]["fallbacks"] == 1 and logs["replace"]["fallbacks"] == 0
    face = (slice(90, 150), slice(200, 250))
    assert not np.array_equal(outs["blur"][face], outs["replace"][face])
    assert not np.array_equal(outs["blur"][face], astronaut[face])  # blurred, never left as it was

    code = main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "replace"), "-q", "--steps", "1"])
    assert code != 0 and "unsure" in capsys.readouterr().err  # the default is blur: another look
