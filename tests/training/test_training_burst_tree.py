"""scripts/burst_tree.sh: the bundled weights stay behind for a burst's run call, and come back exactly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODEL = "src/id2face/assets/default_model"
PARTS = ("unet", "recomposer", "harmonizer", "idvae")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _script(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(repo / "scripts" / "burst_tree.sh"), *args], cwd=repo,
                          capture_output=True, text=True)


def _travels(repo: Path) -> set[str]:
    """What the device tool copies: tracked files and untracked ones git does not ignore."""
    tracked = _git(repo, "ls-files").split()
    others = _git(repo, "ls-files", "--others", "--exclude-standard").split()
    return set(tracked) | set(others)


@pytest.fixture
def repo(tmp_path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "burst_tree.sh", tmp_path / "scripts")
    for part in (*PARTS, "vae"):
        (tmp_path / MODEL / part).mkdir(parents=True)
        (tmp_path / MODEL / part / "diffusion_pytorch_model.safetensors").write_bytes(b"w")
    (tmp_path / "checkpoints" / "latent128").mkdir(parents=True)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    _git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "tree")
    return tmp_path


def test_light_leaves_the_bundled_weights_and_restore_brings_them_back(repo):
    assert _script(repo, "light").returncode == 2  # no shards: the burst restores from the bundled model
    (repo / "checkpoints" / "latent128" / "ema-00.safetensors").write_bytes(b"s")
    vae = repo / MODEL / "vae" / "diffusion_pytorch_model.safetensors"
    vae.write_bytes(b"changed")
    assert _script(repo, "light").returncode == 2  # a change to a tracked file: refused
    vae.write_bytes(b"w")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "shards")
    before = _travels(repo)
    assert _script(repo, "light").returncode == 0
    after = _travels(repo)
    left = {f"{MODEL}/{p}/diffusion_pytorch_model.safetensors" for p in PARTS}
    assert before - after == left and f"{MODEL}/vae/diffusion_pytorch_model.safetensors" in after
    assert all((repo / f).is_file() for f in left)  # nothing deleted
    assert _script(repo, "restore").returncode == 0
    assert _travels(repo) == before and _git(repo, "status", "--porcelain") == ""
    assert "default_model" not in (repo / ".git" / "info" / "exclude").read_text()
