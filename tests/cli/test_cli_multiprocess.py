"""`torchrun -m id2face anonymize` (what `accelerate launch` starts too): 2 CPU processes (gloo) give
the same files as 1, and a job whose process is killed is finished by a rerun, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from id2face.io.images import load_image, save_image

pytestmark = pytest.mark.slow
N = 20


@pytest.fixture(scope="module")
def photos(tmp_path_factory, astronaut):
    """20 different photos of the sample face (shifted, mirrored, scaled, tinted): distinct keys."""
    folder = tmp_path_factory.mktemp("in")
    rng = np.random.default_rng(0)
    small = astronaut[::2, ::2]
    for i in range(N):
        img = np.roll(small, int(rng.integers(-30, 30)), axis=int(rng.integers(0, 2)))
        img = img[:, ::-1] if i % 2 else img
        img = np.clip(img.astype(np.int16) + int(rng.integers(-25, 25)), 0, 255).astype(np.uint8)
        save_image(np.ascontiguousarray(img), folder / f"p{i:02d}.{'jpg' if i % 3 else 'png'}")
    return folder


def _cmd(nproc: int, *args: str, launcher: str = "torchrun") -> list[str]:
    if launcher == "accelerate":  # --multi_gpu is accelerate's multi-process launcher; on a CPU it uses gloo
        head = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", f"--num_processes={nproc}",
                "--num_machines=1", "--mixed_precision=no", "--dynamo_backend=no"]
    else:
        head = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    return [*head, "-m", "id2face", "anonymize", *args, "-q"]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def test_two_processes_give_the_files_of_one(photos, tmp_path):
    logs = []
    runs = (("one", 1, "torchrun"), ("two", 2, "torchrun"), ("accelerate", 2, "accelerate"))
    for name, n, launcher in runs:
        log = tmp_path / f"{name}.jsonl"
        proc = subprocess.run(_cmd(n, str(photos), "-o", str(tmp_path / name), "--steps", "2", "--log-file",
                                   str(log), launcher=launcher), env=_env(), capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert f"{N} file(s) anonymized, 0 skipped (exist), 0 failed; {N} face(s)" in proc.stderr
        assert proc.stderr.count("file(s) anonymized") == 1  # one summary for the whole job
        logs.append([json.loads(line) for line in log.read_text().splitlines()])
    one = _outputs(tmp_path / "one")
    assert len(one) == N
    for other in (_outputs(tmp_path / "two"), _outputs(tmp_path / "accelerate")):
        assert one.keys() == other.keys()
        assert [k for k in one if one[k] != other[k]] == []  # bit for bit, whichever process did a photo
    for rows in logs:  # one merged log line per input, in input order
        assert [r["input"] for r in rows] == sorted(str(p) for p in photos.iterdir())
        assert {r["status"] for r in rows} == {"anonymized"}


def _workers(parent: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            kids.append(int(stat.parent.name))
    return kids


def _journal_lines(out: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in out.glob(".id2face/runs/*/rank*.jsonl"))


def test_a_killed_process_is_finished_by_a_rerun(photos, tmp_path):
    out, log = tmp_path / "out", tmp_path / "log.jsonl"
    proc = subprocess.Popen(_cmd(2, str(photos), "-o", str(out), "--log-file", str(log)), env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while _journal_lines(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = _workers(proc.pid)
        assert proc.poll() is None and len(workers) == 2, "the job ended before a process could be killed"
        os.kill(workers[1], signal.SIGKILL)
        assert proc.wait(timeout=120) != 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    done_before = len([p for p in out.iterdir() if p.is_file() and not p.name.startswith(".")])  # no temps
    assert done_before < N, "nothing was left to resume"
    rerun = subprocess.run(_cmd(1, str(photos), "-o", str(out), "--log-file", str(log)), env=_env(),
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{N - done_before} file(s) anonymized, {done_before} skipped (exist), 0 failed" in rerun.stderr
    files = sorted(p.name for p in out.rglob("*") if p.is_file() and ".id2face" not in p.parts)
    assert files == sorted(p.name for p in photos.iterdir())  # all there, none twice, no temp file
    for name in files:
        assert load_image(out / name).shape == load_image(photos / name).shape
    last_run = [json.loads(line) for line in log.read_text().splitlines()][-N:]
    assert sorted(r["input"] for r in last_run) == sorted(str(p) for p in photos.iterdir())
    assert {r["status"] for r in last_run} <= {"anonymized", "skipped_exists"}


def test_other_settings_are_refused_on_a_finished_job(photos, tmp_path):
    out = tmp_path / "out"
    from id2face.cli.main import main

    assert main(["anonymize", str(photos / "p00.png"), "-o", str(out), "-m", "blur", "-q"]) == 0
    assert main(["anonymize", str(photos / "p00.png"), "-o", str(out), "-m", "pixelate", "-q"]) == 2
    assert main(["anonymize", str(photos / "p00.png"), "-o", str(out), "-m", "blur", "-q"]) == 0
    assert main(["anonymize", str(photos / "p00.png"), "-o", str(out), "-m", "blur", "-q",
                 "--mask-grow", "0.1"]) == 2  # another region width: another look
    assert main(["anonymize", str(photos / "p00.png"), "-o", str(out), "-m", "pixelate", "-q",
                 "--overwrite"]) == 0
