"""Issue 14: `--help` is fast (no torch or diffusers behind it) and states the defaults; samplers the
model cannot use are refused at start."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from id2face.cli.main import build_parser, main
from id2face.io.images import save_image


def test_building_the_help_imports_neither_torch_nor_diffusers():
    """Before: every parser build imported diffusers (for the sampler names): ~4-10 s per --help.
    Nor imageio_ffmpeg: `id2face train` builds the same parser on a GPU machine that lacks it (a burst
    failed so)."""
    code = ("import sys; from id2face.cli.main import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'diffusers', 'cv2', 'imageio_ffmpeg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _help(*argv: str) -> str:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices  # the subcommands' own parsers
    return " ".join((sub[argv[0]] if argv else parser).format_help().split())


def test_the_help_states_the_defaults():
    text = _help("anonymize")
    for flag, default in (("--strength", "default: 1"), ("--device", "default: cpu"),
                          ("--max-pixels", "default: 200_000_000"), ("--steps", "8 for the bundled model")):
        start = text.index(flag + " ", text.index("options:"))
        assert default in text[start:start + 400], flag
    assert "default: 60_000_000" in _help("web")
    assert "works with ddpm only" in text


@pytest.mark.parametrize("sampler", ["ddim", "dpmsolver", "dpmsolver-sde", "unipc"])
def test_a_sampler_the_bundled_model_cannot_use_is_a_usage_error(sampler, tmp_path, astronaut, capsys):
    """Before: accepted, and every face came out as speckle."""
    save_image(astronaut[:64, :64], tmp_path / "a.png")
    with pytest.raises(SystemExit) as e:
        main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--sampler", sampler])
    assert e.value.code == 2
    assert f"sampler {sampler!r} does not suit this model" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_model_that_records_no_samplers_takes_any(tmp_path):
    from id2face.methods.sampler_choice import check_sampler, model_samplers

    (tmp_path / "training.json").write_text(json.dumps({"inference_steps": 8}))
    assert model_samplers(tmp_path) is None
    check_sampler("unipc", tmp_path)
    (tmp_path / "training.json").write_text(json.dumps({"samplers": ["ddpm", "ddim"]}))
    check_sampler("ddim", tmp_path)
    with pytest.raises(ValueError, match="ddpm, ddim only"):
        check_sampler("unipc", tmp_path)
