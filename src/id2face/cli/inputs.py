"""Expand CLI inputs (files, folders, globs) into (source, destination) jobs that mirror the tree."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from id2face.io.ffmpeg import VIDEO_EXTENSIONS
from id2face.io.images import is_photo_name


def is_video_path(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


@dataclass(frozen=True)
class Job:
    src: Path
    dst: Path

    @property
    def is_video(self) -> bool:
        return is_video_path(self.src)


def _media(path: Path) -> bool:
    """A photo (read or named as unread: it then fails aloud) or a video, by its extension."""
    return is_photo_name(path) or is_video_path(path)


def is_earlier_output(path: Path, suffix: str) -> bool:
    """NAME_anonymized.EXT, as this command writes next to an input when there is no -o."""
    return path.stem.endswith(suffix)


def _destination(src: Path, root: Path | None, outdir: Path | None, suffix: str) -> Path:
    if outdir is None:  # next to the input, never over it
        return src.with_name(f"{src.stem}{suffix}{src.suffix}")
    rel = src.relative_to(root) if root is not None else Path(src.name)
    return outdir / rel


def _glob_root(pattern: str) -> Path:
    """The folder part of a glob before its first wildcard: outputs mirror the tree below it."""
    parts = Path(pattern).parts
    fixed = []
    for p in parts:
        if glob.has_magic(p):
            break
        fixed.append(p)
    return Path(*fixed) if fixed else Path(".")


def expand_inputs(inputs: list[str], outdir: str | os.PathLike | None, recursive: bool = False,
                  suffix: str = "_anonymized") -> tuple[list[Job], list[str]]:
    """Jobs for every photo or video named; plus one error line per input that names nothing usable.

    Files named explicitly are always tried (a bad one fails with its own error later); files found
    inside folders or globs are kept only when their extension is a photo or video.
    """
    out = Path(outdir) if outdir else None
    jobs: list[Job] = []
    errors: list[str] = []
    seen: set[Path] = set()

    def add(src: Path, root: Path | None) -> None:
        key = src.resolve()
        if key not in seen:
            seen.add(key)
            jobs.append(Job(src, _destination(src, root, out, suffix)))

    for item in inputs:
        p = Path(item)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(f for f in p.glob(pattern) if f.is_file() and _media(f))
            if out is not None and out.resolve().is_relative_to(p.resolve()):
                found = [f for f in found if not f.resolve().is_relative_to(out.resolve())]
            if out is None:  # outputs go next to the inputs: a rerun must not take them as inputs
                found = [f for f in found if not is_earlier_output(f, suffix)]
            if not found:
                errors.append(f"{p}: no photos or videos found" + ("" if recursive else " (try --recursive)"))
            for f in found:
                add(f, p)
        elif p.is_file():
            add(p, None)
        elif glob.has_magic(item):
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True))
            matches = [m for m in matches if m.is_file() and _media(m)
                       and not (out is None and is_earlier_output(m, suffix))]
            if not matches:
                errors.append(f"{item}: the pattern matches no photos or videos")
            root = _glob_root(item)
            for m in matches:
                add(m, root)
        else:
            errors.append(f"{item}: no such file or folder")
    return jobs, errors
