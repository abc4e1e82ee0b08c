"""scripts/burst_tree.sh: what a burst never reads stays behind for its run call, and comes back exactly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODEL = "src/id2face/assets/default_model"
PARTS = ("unet", "recomposer", "harmonizer", "idvae")
UNREAD = ("docs/figures/grid.jpg", "src/id2face/assets/centerface/centerface.safetensors")

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
    for name in UNREAD:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"d")
    (tmp_path / "checkpoints" / "latent128").mkdir(parents=True)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    _git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "tree")
    return tmp_path


def _commit(repo: Path, message: str) -> None:
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", message)


def test_without_shards_the_bundled_weights_travel_and_the_unread_rest_stays(repo):
    before = _travels(repo)
    assert _script(repo, "light").returncode == 0
    assert before - _travels(repo) == set(UNREAD)  # the burst restores from the bundled weights: they go
    assert _script(repo, "restore").returncode == 0
    assert _travels(repo) == before and _git(repo, "status", "--porcelain") == ""


def test_light_leaves_the_bundled_weights_and_restore_brings_them_back(repo):
    (repo / "checkpoints" / "latent128" / "ema-00.safetensors").write_bytes(b"s")
    vae = repo / MODEL / "vae" / "diffusion_pytorch_model.safetensors"
    vae.write_bytes(b"changed")
    assert _script(repo, "light").returncode == 2  # a change to a tracked file: refused
    vae.write_bytes(b"w")
    _commit(repo, "shards")
    before = _travels(repo)
    assert _script(repo, "light").returncode == 0
    after = _travels(repo)
    left = {f"{MODEL}/{p}/diffusion_pytorch_model.safetensors" for p in PARTS} | set(UNREAD)
    assert before - after == left and f"{MODEL}/vae/diffusion_pytorch_model.safetensors" in after
    assert all((repo / f).is_file() for f in left)  # nothing deleted
    assert _script(repo, "restore").returncode == 0
    assert _travels(repo) == before and _git(repo, "status", "--porcelain") == ""
    exclude = (repo / ".git" / "info" / "exclude").read_text()
    assert "default_model" not in exclude and "centerface" not in exclude


def test_size_counts_the_travelling_tree_and_the_carry(repo, tmp_path_factory):
    carry = tmp_path_factory.mktemp("carry")
    (carry / "part").write_bytes(b"x" * (2 << 20))
    tree = sum((repo / f).stat().st_size for f in _travels(repo))
    run = _script(repo, "size", str(carry))
    assert run.returncode == 0 and f"{(tree + (2 << 20)) / 2**20:.1f} MiB" in run.stdout
    (carry / "big").write_bytes(b"\0" * (62 << 20))  # over the 63.5-MiB line: refused
    assert _script(repo, "size", str(carry)).returncode == 1
    assert _script(repo, "size", str(carry / "missing")).returncode == 2
