"""Video input/output with the tool's privacy and safety defaults, on the ffmpeg that imageio-ffmpeg ships.

Reading yields upright RGB frames (ffmpeg applies the rotation side data). Writing pipes raw frames to
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
from typing import IO

import imageio_ffmpeg
import numpy as np
from tqdm.auto import tqdm

from id2face.io.files import publish
from id2face.io.images import MediaError

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
    "read_frames",
]

logger = logging.getLogger(__name__)

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"}
DEFAULT_FPS = Fraction(25)


@dataclass(frozen=True)
class _Codec:
    """How one container family is encoded; `odd_pix_fmt` is used when a side is odd."""

    video: list[str]
    pix_fmt: str
    odd_pix_fmt: str
    audio: str  # fallback audio encoder when the source's codec cannot be copied
    mux: tuple[str, ...] = ()


_H264 = _Codec(["-c:v", "libx264"], "yuv420p", "yuv444p", "aac")
_CODECS: dict[str, _Codec] = {
    ".mp4": _Codec(["-c:v", "libx264"], "yuv420p", "yuv444p", "aac", ("-movflags", "+faststart")),
    ".m4v": _Codec(["-c:v", "libx264"], "yuv420p", "yuv444p", "aac", ("-movflags", "+faststart")),
    ".mov": _Codec(["-c:v", "libx264"], "yuv420p", "yuv444p", "aac", ("-movflags", "+faststart")),
    # VP9 takes odd sizes in 4:2:0 (profile 0); H.264 cannot, so odd H.264 goes 4:4:4 (High 4:4:4).
    ".webm": _Codec(["-c:v", "libvpx-vp9", "-b:v", "0", "-row-mt", "1"], "yuv420p", "yuv420p", "libopus"),
    ".mpg": _Codec(["-c:v", "mpeg2video", "-q:v", "2"], "yuv420p", "yuv420p", "mp2"),
    ".mpeg": _Codec(["-c:v", "mpeg2video", "-q:v", "2"], "yuv420p", "yuv420p", "mp2"),
    # wmv2 refuses odd sizes; MS-MPEG-4 v3 in ASF plays wherever .wmv does and takes any size.
    ".wmv": _Codec(["-c:v", "msmpeg4", "-q:v", "2"], "yuv420p", "yuv420p", "wmav2"),
    # AVI keeps no per-frame timestamps: no B-frames, and no shifting to make the (AAC-primed) audio
    # start at zero, else readers see a gap after the first frame and duplicate it.
    ".avi": _Codec(["-c:v", "libx264", "-bf", "0"], "yuv420p", "yuv444p", "aac",
                   ("-avoid_negative_ts", "disabled")),
}


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

    @property
    def fps(self) -> float:
        return float(self.frame_rate)


def _ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _last_error_line(text: str) -> str:
    """The one stderr line that explains an ffmpeg failure (ffmpeg prints the cause last)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "output file must be specified" in ln:
            continue
        return re.sub(r"^\[[^\]]*\]\s*", "", ln)
    return "ffmpeg failed without a message"


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
    proc = subprocess.run(
        [_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    text = proc.stderr.decode("utf-8", "replace")
    fmt = re.search(r"^Input #0, (.+?), from ", text, re.M)
    if fmt is None:
        raise MediaError(f"{path}: not a readable video ({_last_error_line(text)})")
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
    return VideoInfo(path, rate, (w, h), n_frames, duration, audio is not None, codec, audio_codec, rotation)


# ----------------------------------------------------------------------------------------- reading


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def read_frames(path: str | os.PathLike, info: VideoInfo | None = None) -> Iterator[np.ndarray]:
    """Yield the frames as upright (H, W, 3) RGB uint8 arrays; MediaError if the file cannot be decoded.

    A generator: close it (or let it be collected) to stop the decoder early.
    """
    path = Path(path)
    info = info or probe_video(path)
    w, h = info.size
    frame_bytes = w * h * 3
    cmd = [_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
           "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24",
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
                reason = _last_error_line(log.read().decode("utf-8", "replace")) if rc else "no frames"
                raise MediaError(f"{path}: cannot decode video after {count} frames ({reason})")
        finally:
            proc.stdout.close()
            _kill(proc)


# ----------------------------------------------------------------------------------------- writing


def _temp_path(dst: Path, tag: str) -> Path:
    """A hidden, unique file next to `dst` whose name still ends in dst's extension (ffmpeg picks the
    muxer from it)."""
    fd, name = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=f".{tag}{dst.suffix}", dir=dst.parent)
    os.close(fd)
    return Path(name)


def _has_audio(path: Path) -> bool:
    """Whether any audio stream exists (works for audio-only files too, unlike probe_video)."""
    proc = subprocess.run([_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    return re.search(r"Stream #.*: Audio: ", proc.stderr.decode("utf-8", "replace")) is not None


def _stderr_text(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")


class VideoWriter:
    """Write frames to `path` atomically, optionally carrying the audio of `audio_from` across.

    Usage::

        with VideoWriter(dst, fps=info.frame_rate, audio_from=src) as w:
            for frame in frames:
                w.write(frame)

    The frame size is fixed by the first frame (or `size`). Leaving the block normally encodes,
    muxes and renames into place; leaving it with an exception removes every temporary file.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fps: float | Fraction,
        audio_from: str | os.PathLike | None = None,
        size: tuple[int, int] | None = None,
        crf: int = 18,
        preset: str = "medium",
    ) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in VIDEO_EXTENSIONS:
            raise MediaError(f"{self.path}: unsupported output format {self.path.suffix!r}")
        rate = Fraction(fps).limit_denominator(1_000_000) if not isinstance(fps, Fraction) else fps
        if rate <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.frame_rate = rate
        self.audio_from = Path(audio_from) if audio_from is not None else None
        self.size = size
        self.crf = crf
        self.preset = preset
        self.frames_written = 0
        self._codec = _CODECS.get(self.path.suffix.lower(), _H264)
        self._proc: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None
        self._temps: list[Path] = []
        self._video_tmp: Path | None = None
        self.has_audio = False

    # -- context manager
    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- frames
    def _start(self, w: int, h: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._video_tmp = _temp_path(self.path, "video")
        self._temps.append(self._video_tmp)
        c = self._codec
        pix_fmt = c.odd_pix_fmt if (w % 2 or h % 2) else c.pix_fmt
        quality = ["-crf", str(self.crf), "-preset", self.preset] if "libx264" in c.video else []
        if "libvpx-vp9" in c.video:
            quality = ["-crf", str(min(63, self.crf + 14))]
        # Tag BT.709 and convert with that matrix so players show the colours the frames had.
        colour = ["-vf", f"scale=out_color_matrix=bt709:out_range=tv,format={pix_fmt},"
                  "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"]
        cmd = [_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
               "-framerate", f"{self.frame_rate.numerator}/{self.frame_rate.denominator}", "-i", "-",
               "-an", *c.video, *quality, *colour, "-map_metadata", "-1", "-fflags", "+bitexact",
               "-flags:v", "+bitexact", str(self._video_tmp)]
        self._log = tempfile.TemporaryFile()
        # Its own session: a Ctrl-C at the terminal reaches only us, and we decide whether the
        # recording is finished (close) or dropped (abort); the encoder never dies half-way.
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log,
                                      start_new_session=True)

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3) RGB uint8 frame."""
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frames must be (H, W, 3) uint8 RGB, got {frame.shape} {frame.dtype}")
        h, w = frame.shape[:2]
        if self.size is None:
            self.size = (w, h)
        if (w, h) != tuple(self.size):
            raise ValueError(f"frame {self.frames_written} is {w}x{h}, the video is {self.size[0]}x{self.size[1]}")
        if self._proc is None:
            self._start(w, h)
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        except (BrokenPipeError, OSError) as e:
            self._proc.wait()
            reason = _last_error_line(_stderr_text(self._log)) if self._log else str(e)
            raise MediaError(f"{self.path}: video encoder failed ({reason})") from e
        self.frames_written += 1

    # -- finishing
    def close(self) -> None:
        """Finish encoding, mux the audio, strip metadata and rename into place (or clean up and raise)."""
        try:
            if self._proc is None:
                raise MediaError(f"{self.path}: no frames to write")
            assert self._proc.stdin is not None and self._log is not None
            self._proc.stdin.close()
            if self._proc.wait() != 0:
                raise MediaError(f"{self.path}: video encoder failed ({_last_error_line(_stderr_text(self._log))})")
            final = self._mux()
            publish(final, self.path)
            self._temps.remove(final)
        except BaseException:
            self.abort()
            raise
        self._cleanup()

    def _mux(self) -> Path:
        """Add the source's audio to the encoded video; without audio the encoded file is the result."""
        assert self._video_tmp is not None
        if self.audio_from is None or not _has_audio(self.audio_from):
            return self._video_tmp
        out = _temp_path(self.path, "mux")
        self._temps.append(out)
        base = [_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-y",
                "-i", str(self._video_tmp), "-i", str(self.audio_from),
                "-map", "0:v:0", "-map", "1:a?", "-c:v", "copy",
                "-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
                "-flags:a", "+bitexact", *self._codec.mux]
        reason = ""
        for audio in (["-c:a", "copy"], ["-c:a", self._codec.audio]):
            proc = subprocess.run([*base, *audio, str(out)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if proc.returncode == 0:
                self.has_audio = True
                return out
            reason = _last_error_line(proc.stderr.decode("utf-8", "replace"))
            logger.info("%s: audio copy refused (%s); re-encoding", self.path, reason)
        raise MediaError(f"{self.path}: cannot add the audio of {self.audio_from.name} ({reason})")

    def abort(self) -> None:
        """Stop the encoder and delete every temporary file; the destination is left untouched."""
        if self._proc is not None:
            if self._proc.stdin is not None and not self._proc.stdin.closed:
                try:
                    self._proc.stdin.close()
                except OSError:
                    pass
            _kill(self._proc)
        for p in self._temps:
            p.unlink(missing_ok=True)
        self._temps.clear()
        self._cleanup()

    def _cleanup(self) -> None:
        for p in self._temps:
            p.unlink(missing_ok=True)
        self._temps.clear()
        if self._log is not None:
            self._log.close()
            self._log = None


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
    start = time.perf_counter()
    src = Path(src)
    info = probe_video(src)
    audio = src if keep_audio and info.has_audio else None
    frames = read_frames(src, info)
    bar = tqdm(frames, total=info.n_frames, unit="frame", desc=src.name, disable=not progress, leave=False)
    try:
        with VideoWriter(dst, info.frame_rate, audio_from=audio, size=info.size, crf=crf, preset=preset) as writer:
            for batch, indices in frame_chunks(bar, batch_size):
                out = list(process_batch(batch, indices))
                if len(out) != len(batch):
                    raise ValueError(f"{src}: frames {indices[0]}-{indices[-1]}: got {len(out)} frames "
                                     f"back for {len(batch)}")
                for frame in out:
                    writer.write(frame)
    finally:
        bar.close()
        frames.close()
    return VideoStats(writer.frames_written, info.frame_rate, info.size, writer.has_audio,
                      time.perf_counter() - start)
