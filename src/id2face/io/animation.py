"""Animated pictures (GIF, WebP, APNG, multi-page TIFF): every frame read, every frame written back.

A reaction GIF is a short clip. Read as a still photo it kept its first frame, and the output silently
lost the rest. Here it is read whole (each frame as it is shown: PIL composes a GIF's partial frames),
so that the caller can anonymize it as a clip (Anonymizer.anonymize_animation: tracked faces, one new
person per real one), and written back in its own format with its frame durations and loop count, its
transparency (io/transparency.py), and nothing else of the input (no metadata, no comment).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from id2face.io.colour import to_srgb
from id2face.io.heif import heif_ready, is_heif
from id2face.io.images import (
    DEFAULT_MAX_PIXELS,
    MediaError,
    checked_bytes,
    checked_source,
    colour_and_alpha,
    decoding,
    format_of,
    fresh_image,
    is_image,
    to_rgb_alpha,
    write_atomically,
)

ANIMATED_FORMATS = {"GIF", "WEBP", "PNG", "TIFF"}  # PIL formats that write several frames


class TooManyFramePixels(MediaError):
    """An animation whose frames together pass the pixel limit; carries where, so each front-end can word
    its own advice."""

    def __init__(self, name: str, frame: int, frames: int, limit: int):
        super().__init__(f"{name}: its frames exceed the {limit:,}-pixel limit (--max-pixels) at frame "
                         f"{frame} of {frames}, counted over all frames")
        self.frame, self.frames, self.limit = frame, frames, limit


@dataclass
class Animation:
    """The frames of an animated picture, upright, with what writing it back needs. A frame with
    transparency holds its straight colour and its alpha apart (io/transparency.py)."""

    frames: list[np.ndarray]
    durations: list[int]  # milliseconds per frame (0: the format's default)
    loop: int | None = None  # times to repeat (0: forever); None: play once, as the input did
    alphas: list[np.ndarray | None] = field(default_factory=list)  # per frame: (H, W) alpha, or None


def frame_count(path: str | os.PathLike) -> int:
    """Frames in the picture at `path`: 1 for a still photo, a video or a file PIL cannot open (the
    photo loader then says why)."""
    if not is_image(path) or (is_heif(path) and not heif_ready()):
        return 1
    return _frames_in(path)


def frames_in_bytes(data: bytes) -> int:
    """frame_count for a picture in memory (an upload)."""
    heif_ready()
    return _frames_in(io.BytesIO(data))


def _frames_in(source) -> int:
    try:
        with Image.open(source) as im:
            return int(getattr(im, "n_frames", 1))
    except Exception:  # noqa: BLE001 - unreadable: the usual loader reports it, one line per file
        return 1


def load_animation(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> Animation:
    """Every frame of the animated picture at `path`, or MediaError. `max_pixels` bounds all frames
    together (a GIF of many large frames is held in memory whole)."""
    path = checked_source(path)
    return _read_frames(path, str(path), max_pixels)


def decode_animation(data: bytes, name: str = "upload", max_pixels: int = DEFAULT_MAX_PIXELS) -> Animation:
    """load_animation for bytes in memory (an upload): same checks, same errors."""
    return _read_frames(checked_bytes(data, name), name, max_pixels)


def _read_frames(source, name: str, max_pixels: int) -> Animation:
    anim = Animation(frames=[], durations=[])
    with decoding(name), Image.open(source) as im:
        anim.loop = im.info.get("loop")
        total = 0
        for i in range(int(getattr(im, "n_frames", 1))):
            im.seek(i)
            total += im.size[0] * im.size[1]
            if total > max_pixels:
                raise TooManyFramePixels(name, i + 1, im.n_frames, max_pixels)
            rgb, alpha = colour_and_alpha(*to_rgb_alpha(to_srgb(ImageOps.exif_transpose(im))))
            anim.frames.append(rgb)
            anim.alphas.append(alpha)
            anim.durations.append(int(round(float(im.info.get("duration") or 0))))
    return anim


def save_animation(anim: Animation, frames: list[np.ndarray], path: str | os.PathLike,
                   quality: int = 95) -> None:
    """Write `frames` (RGB, one per frame of `anim`) atomically with `anim`'s timing and transparency."""
    path = Path(path)
    fmt = format_of(path)
    if fmt not in ANIMATED_FORMATS:
        raise MediaError(f"{path}: {fmt} holds one frame; write an animation as .gif, .webp, .png or .tiff")
    write_atomically(path, lambda f: _write_frames(anim, frames, f, fmt, quality))


def encode_animation(anim: Animation, frames: list[np.ndarray], fmt: str, quality: int = 95) -> bytes:
    """save_animation into bytes (an answer to an upload); `fmt` is a PIL format of ANIMATED_FORMATS."""
    if fmt not in ANIMATED_FORMATS:
        raise ValueError(f"{fmt} holds one frame; choose one of {', '.join(sorted(ANIMATED_FORMATS))}")
    buf = io.BytesIO()
    _write_frames(anim, frames, buf, fmt, quality)
    return buf.getvalue()


def _write_frames(anim: Animation, frames: list[np.ndarray], f, fmt: str, quality: int) -> None:
    if len(frames) != len(anim.frames):
        raise ValueError(f"{len(frames)} frames given for an animation of {len(anim.frames)}")
    alphas = anim.alphas or [None] * len(frames)
    images = [fresh_image(frame, fmt, a) for frame, a in zip(frames, alphas, strict=True)]
    transparent = any(im.mode == "RGBA" for im in images)
    if transparent:  # one mode for all frames
        images = [im.convert("RGBA") for im in images]
    options: dict = {"save_all": True, "append_images": images[1:]}
    if any(anim.durations) and fmt != "TIFF":
        options["duration"] = [max(d, 1) for d in anim.durations]
    if anim.loop is not None and fmt != "TIFF":
        options["loop"] = int(anim.loop)
    if fmt == "GIF":  # whole frames: each one replaces the last (transparent pixels do not show the last)
        options["disposal"] = 2 if transparent else 1
    if fmt == "WEBP":
        options["quality"] = quality
    images[0].save(f, format=fmt, **options)
