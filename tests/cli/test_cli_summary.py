"""The summary and the audit log call a file what it is: anonymized, no face found, or only kept faces."""

import json

import numpy as np
from PIL import Image

from id2face.cli.main import main


def test_unchanged_files_are_not_counted_as_anonymized(tmp_path, astronaut, capsys):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(astronaut).save(src / "portrait.png")
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(src / "wall.png")
    log = tmp_path / "run.jsonl"
    assert (
        main(["anonymize", str(src), "-o", str(tmp_path / "out"), "-m", "blur", "-q", "--log", str(log)]) == 0
    )
    err = capsys.readouterr().err
    assert "1 file(s) anonymized, 1 unchanged, 0 skipped (exist), 0 failed; 1 face(s)" in err
    # the only face is a --keep person's: the photo is written as it was, and said so
    assert (
        main(
            [
                "anonymize",
                str(src / "portrait.png"),
                "-o",
                str(tmp_path / "kept"),
                "-m",
                "blur",
                "-q",
                "--keep",
                str(src / "portrait.png"),
                "--log",
                str(log),
            ]
        )
        == 0
    )
    assert "0 file(s) anonymized, 1 unchanged" in capsys.readouterr().err
    status = {
        (json.loads(line)["input"], json.loads(line)["status"]) for line in log.read_text().splitlines()
    }
    assert status == {
        (str(src / "portrait.png"), "anonymized"),
        (str(src / "wall.png"), "no_face"),
        (str(src / "portrait.png"), "kept"),
    }
