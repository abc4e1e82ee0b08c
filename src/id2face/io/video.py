"""Video input/output with the tool's privacy and safety defaults, on the ffmpeg that imageio-ffmpeg ships
(probing, reading and the frame loop here; writing in video_writer.py, re-exported).

Reading yields upright RGB frames (ffmpeg applies the rotation side data); an HDR video (PQ or HLG, as
phones record) is tone-mapped to SDR BT.709 on the way in, so faces are found and replaced at their
usual brightness instead of in washed-out frames, and the output is an SDR video. Writing pipes raw frames to
ffmpeg, keeps the frame rate and the exact frame size (odd sizes too), copies the source's audio through
(re-encoding it only where the container refuses the original codec), drops every tag, chapter and
subtitle stream (they can name people or places), and renames the result into place only on success:
a failure or an exception leaves nothing at the destination and no temporary file behind.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from id2face.io.ffmpeg import VIDEO_EXTENSIONS, ffmpeg_exe, kill, last_error_line, probe_text
from id2face.io.images import MediaError
from id2face.io.video_writer import VideoWriter

__all__ = [
    "VIDEO_EXTENSIONS",
    "MediaError",
    "VideoInfo",
    "VideoStats",
    "VideoWriter",
    "frame_chunks",
    "is_video",
    "probe_video",
    "process_video",
    "process_video_batches",
    "process_video_stream",
    "read_frames",
]

logger = logging.getLogger(__name__)

DEFAULT_FPS = Fraction(25)
HDR_TRANSFERS = {"smpte2084": "PQ", "arib-std-b67": "HLG"}
# HDR -> SDR BT.709: to linear light (100 nits as 1.0), BT.2020 -> BT.709 primaries, Mobius tone curve (SDR
# levels nearly as they were, highlights rolled off; Hable darkened a PQ-encoded SDR test card's mean from
# 103 to 68, Mobius to 95), back to the BT.709 curve, full-range RGB.
HDR_TO_SDR = ("zscale=transfer=linear:npl=100,format=gbrpf32le,zscale=primaries=bt709,"
              "tonemap=tonemap=mobius:desat=0,zscale=transfer=bt709:matrix=bt709:range=pc,format=gbrp")




def is_video(path: str | os.PathLike) -> bool:
    """True when the extension is one of the video containers the tool reads and writes."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


# ----------------------------------------------------------------------------------------- probing


@dataclass(frozen=True)
class VideoInfo:
    """What the tool needs to know about a video before decoding it."""

    path: Path
    frame_rate: Fraction  # exact where it can be (30000/1001 for "29.97 fps")
    size: tuple[int, int]  # (w, h) of the frames read_frames yields, i.e. after rotation
    n_frames: int | None  # duration x fps: an estimate, None when the duration is unknown
    duration: float | None  # seconds
    has_audio: bool
    codec: str
    audio_codec: str | None
    rotation: int  # degrees of the display matrix that reading applies (0, 90, 180, 270)
    hdr: str | None = None  # "PQ" or "HLG": read_frames tone-maps it to SDR

    @property
    def fps(self) -> float:
        return float(self.frame_rate)




def _exact_rate(fps: float) -> Fraction:
    """ffmpeg prints rates with two decimals; recover the NTSC fractions those hide."""
    if abs(fps - round(fps)) < 1e-3:
        return Fraction(round(fps))
    k = round(fps * 1.001)
    if abs(k / 1.001 - fps) < 0.006:
        return Fraction(k * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read a video's header with `ffmpeg -i`, or raise MediaError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: empty file")
    text = probe_text(path)
    fmt = re.search(r"^Input #0, (.+?), from ", text, re.M)
    if fmt is None:
        raise MediaError(f"{path}: not a readable video ({last_error_line(text)})")
    if fmt.group(1) == "image2" or fmt.group(1).endswith("_pipe"):
        raise MediaError(f"{path}: a still image, not a video")
    streams = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("Stream #")]
    video = next((s for s in streams if ": Video: " in s and "(attached pic)" not in s), None)
    if video is None:
        raise MediaError(f"{path}: no video stream")
    audio = next((s for s in streams if ": Audio: " in s), None)
    codec = video.split(": Video: ", 1)[1].split()[0].rstrip(",")
    audio_codec = audio.split(": Audio: ", 1)[1].split()[0].rstrip(",") if audio else None
    m = re.search(r"[ ,](\d+)x(\d+)[ ,\[]", video + " ")
    if m is None or int(m.group(1)) == 0 or int(m.group(2)) == 0:
        raise MediaError(f"{path}: video stream without a frame size")
    w, h = int(m.group(1)), int(m.group(2))
    m = re.search(r" ([\d.]+) fps", video) or re.search(r" ([\d.]+) tbr", video)
    if m is not None and float(m.group(1)) > 0:
        rate = _exact_rate(float(m.group(1)))
    else:
        logger.warning("%s: frame rate unknown, assuming %s fps", path, DEFAULT_FPS)
        rate = DEFAULT_FPS
    rotation = 0
    m = re.search(r"rotation of (-?[\d.]+) degrees", text) or re.search(r"rotate\s*:\s*(-?\d+)", text)
    if m is not None:
        rotation = round(float(m.group(1))) % 360
    if rotation in (90, 270):
        w, h = h, w
    m = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", text)
    duration = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None
    n_frames = max(1, round(duration * float(rate))) if duration else None
    m = re.search(r"\b(" + "|".join(HDR_TRANSFERS) + r")\b", video)
    hdr = HDR_TRANSFERS[m.group(1)] if m else None
    return VideoInfo(path, rate, (w, h), n_frames, duration, audio is not None, codec, audio_codec, rotation,
                     hdr)


# ----------------------------------------------------------------------------------------- reading




def read_frames(path: str | os.PathLike, info: VideoInfo | None = None) -> Iterator[np.ndarray]:
    """Yield the frames as upright (H, W, 3) RGB uint8 arrays; MediaError if the file cannot be decoded.

    A generator: close it (or let it be collected) to stop the decoder early.
    """
    path = Path(path)
    info = info or probe_video(path)
    w, h = info.size
    frame_bytes = w * h * 3
    tone_map = ["-vf", HDR_TO_SDR] if info.hdr else []
    if info.hdr:
        logger.warning("%s: HDR video (%s): tone-mapped to SDR BT.709; the output is SDR", path, info.hdr)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
           "-map", "0:v:0", *tone_map, "-f", "rawvideo", "-pix_fmt", "rgb24",
           # Constant rate at the probed rate: variable-rate phone clips stay in sync with their audio
           # once written back at that rate (a no-op for constant-rate sources).
           "-fps_mode", "cfr", "-r", f"{info.frame_rate.numerator}/{info.frame_rate.denominator}", "-"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        assert proc.stdout is not None
        count = 0
        try:
            while True:
                buf = proc.stdout.read(frame_bytes)
                if not buf:
                    break
                if len(buf) != frame_bytes:
                    raise MediaError(f"{path}: truncated frame {count} ({len(buf)} of {frame_bytes} bytes)")
                yield np.frombuffer(buf, np.uint8).reshape(h, w, 3).copy()
                count += 1
            rc = proc.wait()
            if rc != 0 or count == 0:
                log.seek(0)
                reason = last_error_line(log.read().decode("utf-8", "replace")) if rc else "no frames"
                raise MediaError(f"{path}: cannot decode video after {count} frames ({reason})")
        finally:
            proc.stdout.close()
            kill(proc)


# ----------------------------------------------------------------------------------------- frame loop


@dataclass(frozen=True)
class VideoStats:
    """What one pass over a video did."""

    frames: int
    frame_rate: Fraction
    size: tuple[int, int]
    has_audio: bool  # the output carries an audio stream
    seconds: float  # wall time of the whole pass

    @property
    def ms_per_frame(self) -> float:
        return 1000.0 * self.seconds / max(1, self.frames)


def process_video(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    process_frame: Callable[[np.ndarray, int], np.ndarray],
    progress: bool = True,
    keep_audio: bool = True,
    crf: int = 18,
    preset: str = "medium",
) -> VideoStats:
    """Decode `src`, pass each frame through `process_frame(frame, index)`, encode to `dst`.

    Frame rate, frame size and (with keep_audio) the audio stream are kept; metadata is not.
    `dst` appears only if every frame went through; `dst` may equal `src`.
    """
    def one(frames: list[np.ndarray], indices: list[int]) -> list[np.ndarray]:
        return [process_frame(frames[0], indices[0])]

    return process_video_batches(src, dst, one, batch_size=1, progress=progress, keep_audio=keep_audio,
                                 crf=crf, preset=preset)


def frame_chunks(frames: Iterable[np.ndarray], size: int) -> Iterator[tuple[list[np.ndarray], list[int]]]:
    """Consecutive runs of up to `size` frames with their indices, in order (the last run may be shorter)."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    it = iter(enumerate(frames))
    while chunk := list(islice(it, size)):
        yield [f for _, f in chunk], [i for i, _ in chunk]


def process_video_batches(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    process_batch: Callable[[list[np.ndarray], list[int]], list[np.ndarray]],
    batch_size: int = 8,
    progress: bool = True,
    keep_audio: bool = True,
    crf: int = 18,
    preset: str = "medium",
) -> VideoStats:
    """Like `process_video`, but hands `process_batch(frames, indices)` up to `batch_size` consecutive
    frames at once (one model call for several frames is what makes a GPU fast).

    It must return exactly one frame per frame given, in order; output frame count, rate, size and
    audio are those of `process_video`.
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")

    def batches(frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for batch, indices in frame_chunks(frames, batch_size):
            out = list(process_batch(batch, indices))
            if len(out) != len(batch):
                raise ValueError(f"{src}: frames {indices[0]}-{indices[-1]}: got {len(out)} frames "
                                 f"back for {len(batch)}")
            yield from out

    return process_video_stream(src, dst, batches, progress=progress, keep_audio=keep_audio, crf=crf,
                                preset=preset)


def process_video_stream(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    transform: Callable[[Iterator[np.ndarray]], Iterable[np.ndarray]],
    progress: bool = True,
    keep_audio: bool = True,
    crf: int = 18,
    preset: str = "medium",
) -> VideoStats:
    """Decode `src`, encode `transform(frames)` to `dst`: the transform reads the frames at its own pace
    (it may read ahead of what it gives back) and must give back one frame per frame, in order.
    Rate, size and audio as `process_video`; `dst` appears only if every frame went through."""
    start = time.perf_counter()
    src = Path(src)
    info = probe_video(src)
    audio = src if keep_audio and info.has_audio else None
    frames = read_frames(src, info)
    bar = tqdm(frames, total=info.n_frames, unit="frame", desc=src.name, disable=not progress, leave=False)
    read = 0

    def counted() -> Iterator[np.ndarray]:
        nonlocal read
        for frame in bar:
            read += 1
            yield frame

    try:
        with VideoWriter(
            dst, info.frame_rate, audio_from=audio, size=info.size, crf=crf, preset=preset
        ) as writer:
            source = counted()
            for frame in transform(source):
                writer.write(frame)
            if next(source, None) is not None:
                raise ValueError(f"{src}: the frames after frame {read - 2} were never read")
            if writer.frames_written != read:
                raise ValueError(f"{src}: {writer.frames_written} frames came back for {read} read")
    finally:
        bar.close()
        frames.close()
    return VideoStats(writer.frames_written, info.frame_rate, info.size, writer.has_audio,
                      time.perf_counter() - start)
