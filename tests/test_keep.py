import numpy as np
import pytest
import skimage.data

from id2face.anonymizer import Anonymizer
from id2face.cli.main import main
from id2face.io.images import load_image, save_image
from id2face.keep import KeepList


@pytest.fixture(scope="module")
def people(tmp_path_factory, astronaut):
    """Two people side by side (the astronaut and the cameraman), and a photo of each alone."""
    d = tmp_path_factory.mktemp("keep")
    cam = np.repeat(skimage.data.camera()[..., None], 3, axis=2)
    save_image(astronaut, d / "astronaut.png")
    save_image(cam, d / "cameraman.png")
    save_image(np.concatenate([astronaut, cam], axis=1), d / "both.png")
    save_image(np.full((64, 64, 3), 128, np.uint8), d / "nobody.png")
    return d


def _changed(a, b, box):
    x0, y0, x1, y1 = (int(v) for v in box)
    return np.abs(a[y0:y1, x0:x1].astype(int) - b[y0:y1, x0:x1]).mean()


def test_kept_person_stays_and_the_other_is_replaced(people):
    both = load_image(people / "both.png")
    for keep_name, kept_side in (("astronaut.png", 0), ("cameraman.png", 1)):
        anon = Anonymizer(method="pixelate", keep=KeepList.from_photos([people / keep_name]))
        out, rep = anon.anonymize_rgb(both)
        assert rep.faces == 2 and rep.kept == 1
        boxes = sorted(rep.boxes)  # left (astronaut) first
        assert _changed(out, both, boxes[kept_side]) == 0  # exactly as it was
        assert _changed(out, both, boxes[1 - kept_side]) > 5  # replaced
    out, rep = Anonymizer(method="pixelate").anonymize_rgb(both)
    assert rep.kept == 0 and all(_changed(out, both, b) > 5 for b in rep.boxes)


def test_keep_needs_a_face_and_a_strict_threshold_keeps_nobody(people):
    with pytest.raises(ValueError, match="no face found"):
        KeepList.from_photos([people / "nobody.png"])
    strict = KeepList.from_photos([people / "astronaut.png"], threshold=0.0)
    _, rep = Anonymizer(method="pixelate", keep=strict).anonymize_rgb(load_image(people / "both.png"))
    assert rep.kept == 0


def test_cli_keep_and_its_audit_line(people, tmp_path, capsys):
    import json

    log = tmp_path / "log.jsonl"
    rc = main(["anonymize", str(people / "both.png"), "-o", str(tmp_path / "out"), "-m", "blur", "-q",
               "--keep", str(people / "astronaut.png"), "--log", str(log)])
    assert rc == 0 and "1 kept (--keep)" in capsys.readouterr().err
    row = json.loads(log.read_text().splitlines()[0])
    assert row["faces"] == 2 and row["kept"] == 1
    assert main(["anonymize", str(people / "both.png"), "-o", str(tmp_path / "o2"), "-m", "blur", "-q",
                 "--keep", str(people / "nobody.png")]) == 2
    assert "no face found" in capsys.readouterr().err


def test_a_keep_photo_of_two_people_is_refused_with_a_clear_line(people, tmp_path, capsys):
    """Issue 14: before, a --keep photo of two people kept only the larger face, without a word."""
    with pytest.raises(ValueError, match="2 faces found in this --keep photo"):
        KeepList.from_photos([people / "both.png"])
    assert main(["anonymize", str(people / "both.png"), "-o", str(tmp_path / "o"), "-m", "blur", "-q",
                 "--keep", str(people / "both.png")]) == 2
    err = capsys.readouterr().err
    assert "2 faces found" in err and "one person" in err and not (tmp_path / "o" / "both.png").exists()
