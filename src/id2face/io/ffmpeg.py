"""The ffmpeg that imageio-ffmpeg ships, and what reading and writing video share about it."""

from __future__ import annotations

import re
import subprocess

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"}


def ffmpeg_exe() -> str:
    import imageio_ffmpeg  # here, not at the top: a training machine may lack it (cli/inputs imports this)

    return imageio_ffmpeg.get_ffmpeg_exe()


def probe_text(path) -> str:
    """What `ffmpeg -i PATH` prints about a file (its streams, or why it cannot be read)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    return proc.stderr.decode("utf-8", "replace")


def last_error_line(text: str) -> str:
    """The one stderr line that explains an ffmpeg failure (ffmpeg prints the cause last)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "output file must be specified" in ln:
            continue
        return re.sub(r"^\[[^\]]*\]\s*", "", ln)
    return "ffmpeg failed without a message"


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
