"""Writing video: raw frames piped to ffmpeg, the source's audio carried across, renamed into place
only on success (see io/video.py for the guarantees)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np

from id2face.io.ffmpeg import VIDEO_EXTENSIONS, ffmpeg_exe, kill, last_error_line, probe_text
from id2face.io.files import publish
from id2face.io.images import MediaError

logger = logging.getLogger(__name__)


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


def _temp_path(dst: Path, tag: str) -> Path:
    """A hidden, unique file next to `dst` whose name still ends in dst's extension (ffmpeg picks the
    muxer from it)."""
    fd, name = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=f".{tag}{dst.suffix}", dir=dst.parent)
    os.close(fd)
    return Path(name)


def _has_audio(path: Path) -> bool:
    """Whether any audio stream exists (works for audio-only files too, unlike probe_video)."""
    return re.search(r"Stream #.*: Audio: ", probe_text(path)) is not None


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
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
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
            raise ValueError(
                f"frame {self.frames_written} is {w}x{h}, the video is {self.size[0]}x{self.size[1]}"
            )
        if self._proc is None:
            self._start(w, h)
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        except (BrokenPipeError, OSError) as e:
            self._proc.wait()
            reason = last_error_line(_stderr_text(self._log)) if self._log else str(e)
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
                raise MediaError(
                    f"{self.path}: video encoder failed ({last_error_line(_stderr_text(self._log))})"
                )
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
        base = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
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
            reason = last_error_line(proc.stderr.decode("utf-8", "replace"))
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
            kill(self._proc)
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
