"""`id2face live -o` stopped by Ctrl-C or SIGTERM keeps what it recorded, atomically, and exits 0."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from id2face.io.video import read_frames

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_keeps_the_recording_so_far(drifting_clip, tmp_path, sig):
    clip = drifting_clip(400, 1, 25)  # long enough to be stopped half-way
    rec_dir = tmp_path / "rec"
    rec_dir.mkdir()
    out = rec_dir / "session.mp4"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    # Its own process group, signalled as a whole: what a Ctrl-C at the terminal does (the
    # encoder would get it too if it shared the group).
    proc = subprocess.Popen([sys.executable, "-m", "id2face.cli.main", "live", str(clip), "-o", str(out),
                             "--no-preview", "-m", "blur"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(rec_dir.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # the encoder's hidden temp file: recording has begun
    time.sleep(0.5)
    assert proc.poll() is None, "the session ended before it could be stopped"
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    err = err.decode()
    assert proc.returncode == 0, err
    kept = re.search(rf"stopped by {sig.name}: kept (\d+) frame\(s\) in ", err)
    assert kept, err
    assert 0 < int(kept.group(1)) < 400
    assert len(list(read_frames(out))) == int(kept.group(1))
    assert [p.name for p in rec_dir.iterdir()] == ["session.mp4"]  # no temp file left
