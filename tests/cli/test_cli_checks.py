"""Options checked at start, reruns that leave earlier outputs alone, plain redirected output."""

import numpy as np
import pytest
from PIL import Image

from id2face.cli.main import main


@pytest.mark.parametrize(
    "option",
    [["--steps", "-3"], ["--steps", "0"], ["--strength", "2"], ["--quality", "0"], ["--quality", "500"],
     ["--strength", "0.5", "-m", "blur"], ["--guidance", "-1"], ["--guidance", "2", "-m", "pixelate"],
     ["--identity-candidates", "0"], ["--face-shape", "1.5"], ["--face-shape", "0.5", "-m", "blur"],
     ["--attributes", "free", "-m", "mask"], ["--attributes", "maybe"], ["--skin-tone", "-1"],
     ["--skin-tone", "11"], ["--skin-tone", "2", "-m", "blur"]],
)
def test_impossible_options_are_usage_errors_before_any_work(option, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["anonymize", str(tmp_path / "photo.jpg"), *option])
    err = capsys.readouterr().err
    assert e.value.code == 2 and option[0] in err and "usage:" in err


@pytest.fixture
def folder(tmp_path, astronaut):
    Image.fromarray(astronaut).save(tmp_path / "portrait.png")
    return tmp_path


def test_a_rerun_without_output_folder_leaves_earlier_outputs_alone(folder, capsys):
    assert main(["anonymize", str(folder), "-m", "blur"]) == 0
    assert (folder / "portrait_anonymized.png").is_file()
    capsys.readouterr()
    assert main(["anonymize", str(folder), "-m", "blur"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["portrait.png", "portrait_anonymized.png"]
    assert "1 skipped" in capsys.readouterr().err
    assert main(["anonymize", str(folder / "*.png"), "-m", "blur"]) == 0  # a glob too
    assert sorted(p.name for p in folder.iterdir()) == ["portrait.png", "portrait_anonymized.png"]


def test_redirected_output_has_no_progress_bar_escapes(folder, tmp_path, capsys):
    assert main(["anonymize", str(folder), "-o", str(tmp_path / "out"), "-m", "blur"]) == 0
    err = capsys.readouterr().err  # not a terminal here
    assert "\r" not in err and "\x1b[" not in err
    assert err.strip().splitlines() == ["1 file(s) anonymized, 0 skipped (exist), 0 failed; 1 face(s)"]


def test_the_python_api_takes_a_path(folder, astronaut):
    from id2face.anonymizer import Anonymizer

    out = Anonymizer(method="blur").anonymize(str(folder / "portrait.png"))
    assert isinstance(out, np.ndarray) and out.shape == astronaut.shape and (out != astronaut).any()


@pytest.mark.parametrize("command", ["anonymize", "web", "live", "bench"])
def test_attributes_reach_the_method_only_when_asked(command):
    from id2face.cli.main import build_parser
    from id2face.cli.options import runtime_options

    extra = ["photo.jpg"] if command == "anonymize" else []
    asked = build_parser().parse_args([command, *extra, "--attributes", "gender"])
    assert runtime_options(asked)["attributes"] == "gender"
    plain = build_parser().parse_args([command, *extra])
    assert "attributes" not in runtime_options(plain)  # the model's own choice (training.json)
    assert runtime_options(plain)["skin_tone"] is None  # the model's own gain (training.json)
    toned = build_parser().parse_args([command, *extra, "--skin-tone", "2.5"])
    assert runtime_options(toned)["skin_tone"] == 2.5


def test_the_cli_attribute_choices_are_the_model_ones():
    from id2face.cli.options import ATTRIBUTE_CHOICES
    from id2face.model import config

    assert ATTRIBUTE_CHOICES == config.ATTRIBUTE_CHOICES
