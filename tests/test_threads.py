"""Threads: OpenMP threads sleep instead of spinning, and --threads / the default set how many."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from id2face.threads import default_threads, set_threads

REPO = Path(__file__).resolve().parents[1]


def test_importing_id2face_makes_openmp_threads_wait_passively():
    """Spinning threads made a photo 10-70x slower with two busy processes beside it on 2 cores."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = str(REPO / "src")
    code = "import id2face, os, torch; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"  # the user's own choice wins
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ACTIVE"


def test_threads_option_and_default(monkeypatch):
    import torch

    before = torch.get_num_threads()
    try:
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        assert default_threads() == 3
        monkeypatch.delenv("OMP_NUM_THREADS")
        assert 1 <= default_threads() <= 8
        with pytest.raises(ValueError):
            set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_threads_is_a_usage_error_below_one(capsys):
    from id2face.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(["anonymize", "--threads", "0", "x.jpg"])
    assert e.value.code == 2 and "--threads" in capsys.readouterr().err


@pytest.mark.slow
def test_anonymize_writes_the_same_bytes_on_1_and_2_threads(tmp_path, astronaut):
    """A seed is a photo, whatever --threads says (issue 14: it changed pixels of the face)."""
    from id2face.io.images import save_image

    save_image(astronaut, tmp_path / "portrait.png")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    outputs = []
    for threads in (1, 2):
        out = tmp_path / f"out{threads}"
        cmd = [sys.executable, "-m", "id2face", "anonymize", str(tmp_path / "portrait.png"), "-o", str(out),
               "--threads", str(threads), "--seed", "0", "-q"]
        subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        outputs.append((out / "portrait.png").read_bytes())
    assert outputs[0] == outputs[1]
