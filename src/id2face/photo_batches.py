"""Anonymize many photo files with one method call per batch, keeping every per-file guarantee.

One denoiser call over the faces of several photos is what makes the id2face method fast on a GPU.
Batching must not weaken anything a single file gets: an unreadable photo fails alone, a failed
batch is retried photo by photo so only the guilty file fails, the input is never overwritten and
every output is written atomically (or not at all).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Protocol

import numpy as np

from id2face.io.animation import frame_count
from id2face.io.deep import save_photo
from id2face.io.images import load_photo
from id2face.reports import FileResult, ImageReport

PathPair = tuple[str | os.PathLike, str | os.PathLike]


class Anonymizer(Protocol):
    """What file batching needs of id2face.anonymizer.Anonymizer (a Protocol: no import circle)."""

    max_pixels: int

    def anonymize_rgb(self, rgb: np.ndarray) -> tuple[np.ndarray, ImageReport]: ...

    def anonymize_batch(self, images: list[np.ndarray]) -> list[tuple[np.ndarray, ImageReport]]: ...

    def anonymize_animation(self, src: Path, dst: Path, quality: int = 95, progress: bool = True,
                            batch_frames: int = 1) -> ImageReport: ...


def anonymize_files(anonymizer: Anonymizer, pairs: Iterable[PathPair], batch: int = 1,
                    quality: int = 95, progress: bool = True) -> Iterator[FileResult]:
    """Yield one FileResult per (src, dst) pair, in order, anonymizing up to `batch` photos per method call.

    `pairs` is consumed lazily, `batch` photos at a time (so they are held in memory together).
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    it = iter(pairs)
    while chunk := list(islice(it, batch)):
        results = [FileResult(Path(s), Path(d)) for s, d in chunk]
        yield from _run_chunk(anonymizer, results, quality, batch, progress)


def _run_chunk(anonymizer: Anonymizer, results: list[FileResult], quality: int,
               batch: int = 1, progress: bool = True) -> list[FileResult]:
    stills = []
    for r in results:  # an animated picture is a clip of its own (io/animation.py), `batch` frames a call
        if frame_count(r.src) > 1:
            _animation(anonymizer, r, quality, batch, progress)
        else:
            stills.append(r)
    loaded = [(r, *photo) for r in stills if (photo := _load(anonymizer, r)) is not None]
    if not loaded:
        return results
    try:
        outs = anonymizer.anonymize_batch([img for _, img, _ in loaded])
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - a batch failure is retried photo by photo below
        if len(loaded) == 1:
            loaded[0][0].error = e
            return results
        outs = None
    for i, (r, img, alpha) in enumerate(loaded):
        _finish(anonymizer, r, img, alpha, None if outs is None else outs[i], quality)
    return results


def _animation(anonymizer: Anonymizer, r: FileResult, quality: int, batch: int, progress: bool) -> None:
    try:
        r.report = anonymizer.anonymize_animation(r.src, r.dst, quality=quality, progress=progress,
                                                  batch_frames=batch)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - one line per failed file, the batch goes on
        r.error = e


def _load(anonymizer: Anonymizer, r: FileResult) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The photo's pixels and its alpha where it has transparency (io.images.load_photo), or None with
    r.error set."""
    try:
        if r.src.resolve() == r.dst.resolve():
            raise ValueError(f"{r.src}: refusing to overwrite the input file")
        return load_photo(r.src, anonymizer.max_pixels)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - one unreadable photo fails alone
        r.error = e
        return None


def _finish(anonymizer: Anonymizer, r: FileResult, img: np.ndarray, alpha: np.ndarray | None,
            done: tuple[np.ndarray, ImageReport] | None, quality: int) -> None:
    """Save the batched result, or (after a batch failure) anonymize this photo alone first."""
    try:
        out, report = done if done is not None else anonymizer.anonymize_rgb(img)
        save_photo(out, img, r.src, r.dst, quality=quality, alpha=alpha)
        r.report = report
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - one line per failed file, the batch goes on
        r.error = e
