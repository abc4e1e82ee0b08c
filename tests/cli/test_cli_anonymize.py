import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from id2face.cli.main import main
from id2face.io.images import load_image, save_image


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture()
def tree(tmp_path, astronaut):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    Image.fromarray(astronaut).save(src / "a.jpg", exif=exif.tobytes())
    save_image(astronaut[:, ::-1], src / "sub" / "b.png")
    save_image(np.full((64, 64, 3), 90, np.uint8), src / "noface.png")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (src / "notes.txt").write_text("not a photo")
    return src


def test_cli_mirrors_the_tree_and_reports_failures(tree, tmp_path, capsys):
    before = {p: _digest(p) for p in tree.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    rc = main(["anonymize", str(tree), "-o", str(out), "--recursive", "-m", "blur", "-q"])
    err = capsys.readouterr().err
    assert rc == 1  # broken.jpg failed
    assert sum("broken.jpg" in line for line in err.splitlines() if line.startswith("error:")) == 1
    assert "2 file(s) anonymized, 1 unchanged" in err and "1 failed" in err and "2 face(s)" in err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".id2face/manifest.json", "a.jpg", "noface.png", "sub/b.png"]  # outputs + the job's manifest
    assert {p: _digest(p) for p in tree.rglob("*") if p.is_file()} == before  # inputs untouched
    with Image.open(out / "a.jpg") as im:
        assert not im.getexif()
    a_in, a_out = load_image(tree / "a.jpg"), load_image(out / "a.jpg")
    assert a_out.shape == a_in.shape
    assert np.abs(a_out[80:160, 190:260].astype(int) - a_in[80:160, 190:260]).mean() > 10  # face changed
    assert np.abs(a_out[400:, :100].astype(int) - a_in[400:, :100]).mean() < 2  # corner kept
    assert np.array_equal(load_image(out / "noface.png"), load_image(tree / "noface.png"))


def test_rerun_skips_finished_outputs_unless_overwrite(tree, tmp_path, capsys):
    out = tmp_path / "out"
    main(["anonymize", str(tree / "a.jpg"), "-o", str(out), "-m", "pixelate", "-q"])
    stamp = (out / "a.jpg").stat().st_mtime_ns
    capsys.readouterr()
    main(["anonymize", str(tree / "a.jpg"), "-o", str(out), "-m", "pixelate", "-q"])
    assert "1 skipped" in capsys.readouterr().err and (out / "a.jpg").stat().st_mtime_ns == stamp
    main(["anonymize", str(tree / "a.jpg"), "-o", str(out), "-m", "pixelate", "-q", "--overwrite"])
    assert "1 file(s) anonymized" in capsys.readouterr().err


def test_globs_and_default_output_next_to_input(tree, capsys):
    rc = main(["anonymize", str(tree / "*.jpg"), "-m", "mask", "-q"])
    assert rc == 1  # broken.jpg matches the glob too
    assert (tree / "a_anonymized.jpg").is_file()
    assert not (tree / "broken_anonymized.jpg").exists()


def test_missing_inputs_and_missing_model_are_clear(tmp_path, capsys):
    assert (
        main(["anonymize", str(tmp_path / "nothing.jpg"), "-o", str(tmp_path / "o"), "-m", "blur", "-q"]) == 1
    )
    assert "no such file" in capsys.readouterr().err
    save_image(np.zeros((8, 8, 3), np.uint8), tmp_path / "x.png")
    rc = main(
        ["anonymize", str(tmp_path / "x.png"), "--method", "id2face", "--model", str(tmp_path / "none"), "-q"]
    )
    assert rc == 2 and "--model" in capsys.readouterr().err


def test_sample_and_help(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "s.png")]) == 0
    assert load_image(tmp_path / "s.png").shape == (512, 512, 3)
    with pytest.raises(SystemExit):
        main(["anonymize", "--help"])
    assert "--on-error" in capsys.readouterr().out


def test_audit_log_has_a_line_per_input_and_lists_faceless_files(tree, tmp_path, capsys):
    import json

    out, log = tmp_path / "out", tmp_path / "audit" / "run.jsonl"
    rc = main(["anonymize", str(tree), str(tmp_path / "missing.jpg"), "-o", str(out), "--recursive",
               "-m", "pixelate", "-q", "--log", str(log)])
    assert rc == 1
    assert "1 file(s) with no face found" in capsys.readouterr().err
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    by_name = {Path(r["input"]).name: r for r in rows if "input" in r}
    assert by_name["a.jpg"]["status"] == "anonymized" and by_name["a.jpg"]["faces"] == 1
    assert len(by_name["a.jpg"]["boxes"]) == 1 and len(by_name["a.jpg"]["boxes"][0]) == 4
    assert by_name["noface.png"]["status"] == "no_face" and by_name["noface.png"]["faces"] == 0
    assert by_name["broken.jpg"]["status"] == "failed" and "broken.jpg" in by_name["broken.jpg"]["error"]
    assert any(r["status"] == "failed" and "missing.jpg" in r["error"] for r in rows if "input" not in r)
    main(["anonymize", str(tree), "-o", str(out), "--recursive", "-m", "pixelate", "-q", "--log", str(log)])
    again = [json.loads(line) for line in log.read_text().splitlines()][len(rows):]  # appended
    assert {r["status"] for r in again} == {"skipped_exists", "failed"}  # broken.jpg fails again


def test_preserve_keeps_the_eyes_and_refuses_unknown_parts(tmp_path, astronaut, capsys):
    save_image(astronaut, tmp_path / "a.png")
    rc = main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "-m", "pixelate", "-q",
               "--preserve", "eyes"])
    assert rc == 0
    out = load_image(tmp_path / "out" / "a.png").astype(int)
    eye, cheek = (slice(99, 105), slice(199, 209)), (slice(135, 150), slice(195, 210))  # right eye, cheek
    assert np.abs(out[eye] - astronaut[eye]).mean() < 2  # the eye as it was
    assert np.abs(out[cheek] - astronaut[cheek]).mean() > 3  # the rest replaced
    assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o2"), "-m", "blur", "-q",
                 "--preserve", "ears"]) == 2
    assert "unknown part" in capsys.readouterr().err


def test_an_animated_gif_comes_out_whole(tmp_path, astronaut, capsys):
    small = astronaut[::2, ::2]
    frames = [Image.fromarray(np.ascontiguousarray(np.roll(small, 4 * i, axis=1))) for i in range(3)]
    frames[0].save(tmp_path / "wave.gif", save_all=True, append_images=frames[1:], duration=120, loop=0)
    rc = main(["anonymize", str(tmp_path / "wave.gif"), "-o", str(tmp_path / "out"), "-m", "blur", "-q"])
    assert rc == 0 and "1 file(s) anonymized" in capsys.readouterr().err
    with Image.open(tmp_path / "out" / "wave.gif") as im:
        assert im.n_frames == 3 and im.info["duration"] == 120 and im.info["loop"] == 0


def test_a_folders_raw_files_are_not_passed_in_silence(tmp_path, astronaut, capsys):
    (tmp_path / "in").mkdir()
    Image.fromarray(astronaut).save(tmp_path / "in" / "IMG_1.jpg")
    (tmp_path / "in" / "IMG_1.CR2").write_bytes(b"II*\x00" + bytes(64))
    rc = main(["anonymize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-m", "blur", "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and "1 file(s) anonymized" in err and "1 failed" in err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: {tmp_path / 'in' / 'IMG_1.CR2'}: camera RAW photos are not read here; export it as JPEG, "
        "PNG or TIFF and anonymize that (this file still shows every face)"]
