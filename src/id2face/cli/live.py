"""`id2face live`: anonymize a camera or a stream as it comes (preview window and/or a recording)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator

import numpy as np

from id2face.cli.options import (
    add_method_argument,
    add_model_arguments,
    add_runtime_arguments,
    add_seed_argument,
    runtime_options,
)
from id2face.cli.stop_signals import StopSignals
from id2face.methods.registry import default_method

EPILOG = """examples:
  id2face live                         # camera 0, preview window (q or Esc to stop)
  id2face live 1 -o session.mp4        # camera 1, also recorded (only anonymized frames are kept)
  id2face live rtsp://cam/stream -o out.mp4 --no-preview --max-frames 9000
  id2face live -m blur                 # classic blur, real time on a laptop CPU
The preview and the recording only ever show anonymized frames. A face the method cannot replace
is blurred (--on-error blur is the default here: a live feed cannot wait for a retry).
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument(
        "source", nargs="?", default="0", help="camera index, stream URL or video file (default: 0)"
    )
    p.add_argument("-o", "--output", metavar="FILE.mp4", help="also record the anonymized frames")
    p.add_argument("--no-preview", action="store_true", help="no window (e.g. on a server)")
    p.add_argument(
        "--max-frames", type=int, default=0, help="stop after N frames (default: until the end or q)"
    )
    add_method_argument(p, "how faces are replaced (default: id2face with the bundled model)")
    add_model_arguments(p)
    add_seed_argument(p)
    p.add_argument("--on-error", choices=["fail", "blur"], default="blur",
                   help="a face the method cannot replace is blurred (default) or stops the session")
    p.add_argument("-q", "--quiet", action="store_true", help="no closing figures")
    add_runtime_arguments(p)


def has_display() -> bool:
    """Whether a preview window can open (on Linux: an X11 or Wayland display is set)."""
    import os

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def open_source(source: str):
    """An opened cv2.VideoCapture for a camera index, URL or file, or ValueError."""
    import cv2

    cap = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not cap.isOpened():
        raise ValueError(f"cannot open {source!r}: no such camera, stream or video file")
    return cap


def read_rgb(cap, max_frames: int = 0) -> Iterator[np.ndarray]:
    import cv2

    n = 0
    while not max_frames or n < max_frames:
        ok, bgr = cap.read()
        if not ok:
            return
        n += 1
        yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def run(args: argparse.Namespace) -> int:
    import cv2

    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.anonymizer import Anonymizer
    from id2face.io.video import VideoWriter

    if not args.no_preview and not has_display():  # OpenCV's window would abort the process
        print("error: no display for the preview window; use --no-preview (with -o FILE to record)",
              file=sys.stderr)
        return 2
    try:
        cap = open_source(args.source)
        anon = Anonymizer(
            method=args.method or default_method(args.model),
            model=args.model,
            seed=args.seed,
            on_error=args.on_error,
            device=args.device,
            steps=args.steps,
            **runtime_options(args),
        )
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    fps = cap.get(cv2.CAP_PROP_FPS)
    fps = fps if fps and 1 <= fps <= 240 else 25.0
    frames = faces = 0
    t0 = time.perf_counter()
    try:  # a failed session leaves no partial recording (VideoWriter is atomic)
        with StopSignals() as stop:
            writer = VideoWriter(args.output, fps=fps) if args.output else None
            try:
                for out, rep in anon.anonymize_stream(read_rgb(cap, args.max_frames)):
                    frames += 1
                    faces += rep.faces
                    if writer is not None:
                        writer.write(out)
                    if stop.received or (not args.no_preview and _show(out)):
                        break
            except BaseException:
                if writer is not None:
                    writer.abort()
                raise
            finish_recording(writer, stop.received)
    except KeyboardInterrupt:  # before the loop began (e.g. while the model loads): nothing to keep
        return 130
    finally:
        cap.release()
    dt = time.perf_counter() - t0
    if not args.quiet:
        print(f"{frames} frame(s), {faces} face(s), {frames / dt if dt else 0:.1f} frames/s"
              + (f" -> {args.output}" if args.output and writer.frames_written else ""), file=sys.stderr)
    return 0


def finish_recording(writer, signal_name: str | None) -> None:
    """Publish what was recorded (atomically); after a stop signal, say how much was kept."""
    if writer is None:
        if signal_name:
            print(f"stopped by {signal_name}", file=sys.stderr)
        return
    if writer.frames_written == 0:
        writer.abort()
        if signal_name:
            print(f"stopped by {signal_name} before the first frame: nothing recorded", file=sys.stderr)
        return
    writer.close()
    if signal_name:
        print(f"stopped by {signal_name}: kept {writer.frames_written} frame(s) in {writer.path}",
              file=sys.stderr)


def _show(rgb: np.ndarray) -> bool:
    """Show one anonymized frame; True when the user asks to stop (q or Esc)."""
    import cv2

    cv2.imshow("id2face (q to stop)", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return (cv2.waitKey(1) & 0xFF) in (ord("q"), 27)
