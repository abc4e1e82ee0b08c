"""HDR video (PQ, HLG) is tone-mapped to SDR on the way in: faces at their usual brightness, an SDR output."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from id2face.io.video import probe_video, process_video, read_frames

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CARD = "testsrc2=size=128x96:rate=10"


def _ffmpeg(*args: str) -> bytes:
    return subprocess.run([FFMPEG, "-v", "error", "-y", *args], capture_output=True, check=True).stdout


def _raw(*args: str) -> np.ndarray:
    """The first frame ffmpeg gives for `args` as rgb24, not tone-mapped (how the reader used to see it)."""
    out = _ffmpeg(*args, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
    return np.frombuffer(out, np.uint8).reshape(96, 128, 3).astype(np.float64)


def _hdr_clip(path: Path, transfer: str) -> Path:
    """The SDR test card as 10-bit BT.2020 HDR (SDR white at 100 nits), tagged as a phone's clip is."""
    vf = (f"format=gbrp,setparams=color_trc=bt709:color_primaries=bt709:colorspace=gbr:range=pc,"
          f"zscale=t={transfer}:p=bt2020:m=bt2020nc:npl=100:r=tv,format=yuv420p10le")
    _ffmpeg("-f", "lavfi", "-i", CARD, "-t", "0.5", "-vf", vf, "-c:v", "ffv1", "-color_trc", transfer,
            "-color_primaries", "bt2020", "-colorspace", "bt2020nc", str(path))
    return path


@pytest.mark.parametrize("transfer,name", [("smpte2084", "PQ"), ("arib-std-b67", "HLG")])
def test_hdr_frames_come_at_sdr_brightness(tmp_path, transfer, name):
    card = _raw("-f", "lavfi", "-i", CARD)
    clip = _hdr_clip(tmp_path / "hdr.mkv", transfer)
    assert probe_video(clip).hdr == name
    frame = next(read_frames(clip)).astype(np.float64)
    naive = _raw("-i", str(clip))
    assert np.abs(naive - card).mean() > 50  # read as if SDR: washed out
    assert np.abs(frame - card).mean() < 30 and abs(frame.mean() - card.mean()) < 12


def test_an_sdr_clip_is_read_as_before_and_an_hdr_one_written_as_sdr(tmp_path):
    sdr = tmp_path / "sdr.mkv"
    _ffmpeg("-f", "lavfi", "-i", CARD, "-t", "0.5", "-c:v", "ffv1", str(sdr))
    assert probe_video(sdr).hdr is None
    assert np.abs(next(read_frames(sdr)).astype(np.float64) - _raw("-i", str(sdr))).max() == 0
    out = tmp_path / "out.mp4"
    process_video(_hdr_clip(tmp_path / "hdr.mkv", "smpte2084"), out, lambda frame, i: frame)
    info = probe_video(out)
    assert info.hdr is None and "bt709" in subprocess.run([FFMPEG, "-hide_banner", "-i", str(out)],
                                                          capture_output=True, text=True).stderr
