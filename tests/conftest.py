"""Shared fixtures: the public-domain sample portrait and the optional ../shared/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    import skimage.data

    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def paste_crowd(astronaut):
    """`paste(photo, side)`: 24 copies of the sample head, `side` px square (the face about 0.55 of it), on a
    grid in the middle of a 4000x3000 `photo` (a crowd far away); returns the photo and the faces' centres.
    `rows`, `origin` and `step` place a grid of 6 columns elsewhere (a smaller photo)."""
    import cv2

    def paste(photo: np.ndarray, side: int, rows: int = 4, origin: tuple[int, int] = (900, 800),
              step: tuple[int, int] = (320, 380)) -> tuple[np.ndarray, np.ndarray]:
        small = cv2.resize(astronaut[40:240, 130:330], (side, side), interpolation=cv2.INTER_AREA)
        centres = []
        for i in range(rows):
            for j in range(6):
                x, y = origin[0] + j * step[0], origin[1] + i * step[1]
                photo[y:y + side, x:x + side] = small
                centres.append((x + side / 2, y + side / 2))
        return photo, np.array(centres, np.float64)

    return paste


@pytest.fixture(scope="session")
def far_crowd(paste_crowd) -> tuple[np.ndarray, np.ndarray]:
    """Faces about 18 px wide on a busy scene (scikit-image's coffee, enlarged to 4000x3000)."""
    import cv2
    import skimage.data

    return paste_crowd(cv2.resize(skimage.data.coffee(), (4000, 3000), interpolation=cv2.INTER_LINEAR), 32)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "celeba-wild" / "identities.csv").is_file():
        pytest.skip(f"needs the face data in {SHARED_DATA} (present in CI, absent here)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def detector():
    from id2face.face.detect import FaceDetector

    return FaceDetector()


@pytest.fixture(scope="session")
def drifting_clip(tmp_path_factory, astronaut):
    """make(n, step, fps, pix_fmt="yuv444p", audio=False) -> an H.264 clip of n 256² frames of the
    sample face moving `step` px right (audio: a 440-Hz AAC sine over the clip)."""
    import subprocess

    import imageio_ffmpeg

    def make(n: int, step: int, fps: int, pix_fmt: str = "yuv444p", audio: bool = False) -> Path:
        path = tmp_path_factory.mktemp("clip") / f"drift_{n}_{step}_{fps}.mp4"
        frames = [np.ascontiguousarray(np.roll(astronaut[::2, ::2], step * i, axis=1)) for i in range(n)]
        video_in = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "256x256", "-r", str(fps), "-i", "-"]
        sine = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={n / fps:g}", "-shortest"]
        codecs = ["-c:v", "libx264", "-pix_fmt", pix_fmt] + (["-c:a", "aac"] if audio else [])
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *video_in,
               *(sine if audio else []), *codecs, str(path)]
        subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True)
        return path

    return make
