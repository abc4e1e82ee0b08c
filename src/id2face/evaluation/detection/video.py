"""Video recall bench (`id2face eval --detection --video`): how many face-frames the video front-end covers,
per frame (the detector alone) and as `id2face anonymize` covers them in a video file (tracks, the lost face
filled in at its tracked place, frames held back to fill in before a face is found: face/track_fill.py),
and how many faces are left in at least one frame of their clip.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from id2face.evaluation.detection.backdrops import SCENE_SIZE
from id2face.evaluation.detection.clips import KINDS, Clip
from id2face.evaluation.detection.score import matched
from id2face.face.config import DetectorConfig


def video_defaults() -> tuple[int, int]:
    """(gap_frames, lookahead_frames) as `id2face anonymize` uses them on a video file (the Anonymizer's)."""
    from id2face.anonymizer import Anonymizer

    p = inspect.signature(Anonymizer.__init__).parameters
    return int(p["gap_frames"].default), int(p["lookahead_frames"].default)


@dataclass
class VideoTally:
    """Per clip kind: face-frames to anonymize, those the detector found, those the tracks cover; faces
    (one per clip) and those left in at least one frame; the longest run of frames a face was left."""

    face_frames: dict[str, int] = field(default_factory=dict)
    detected: dict[str, int] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)
    faces: dict[str, int] = field(default_factory=dict)
    left: dict[str, int] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)
    extra_boxes: int = 0  # detected boxes away from the clip's face (a backdrop's face, a false alarm)
    extra_fills: int = 0  # the tracks' filled boxes away from it (where a hidden face was predicted to be)
    frames: int = 0
    seconds: list[float] = field(default_factory=list)  # detection per frame

    def add(self, kind: str, present: np.ndarray, detected: np.ndarray, covered: np.ndarray) -> None:
        def bump(d: dict[str, int], n: int) -> None:
            d[kind] = d.get(kind, 0) + int(n)

        bump(self.face_frames, present.sum())
        bump(self.detected, (detected & present).sum())
        bump(self.covered, (covered & present).sum())
        bump(self.faces, present.any())
        missed = present & ~covered
        bump(self.left, missed.any())
        run = longest = 0
        for m in missed:
            run = run + 1 if m else 0
            longest = max(longest, run)
        self.longest[kind] = max(self.longest.get(kind, 0), longest)

    def as_dict(self) -> dict:
        keys = ("face_frames", "detected", "covered", "faces", "left", "longest", "extra_boxes",
                "extra_fills", "frames")
        ms = 1000 * float(np.median(self.seconds)) if self.seconds else None
        return {k: getattr(self, k) for k in keys} | {"median_ms_per_frame": ms}


def measure_clip(detector, clip: Clip, gap_frames: int, lookahead: int, tally: VideoTally) -> None:
    """Run the video front-end over `clip` and add what it covered to `tally`."""
    from id2face.face.orient import detect_frame
    from id2face.face.track import FaceTracker
    from id2face.face.track_fill import LookaheadTracks

    raw: list[list] = []

    def look(frame: np.ndarray):
        t = time.perf_counter()
        faces = detect_frame(detector, frame)
        tally.seconds.append(time.perf_counter() - t)
        raw.append([f.box for f in faces])
        return None, faces

    held = list(LookaheadTracks(FaceTracker(), look, gap_frames, lookahead).run(clip.frames))
    detected = np.zeros(len(held), bool)
    covered = np.zeros(len(held), bool)
    for k, h in enumerate(held):
        truth = clip.boxes[k][None]
        detected[k] = matched(truth, raw[k], SCENE_SIZE)[0]
        on_face = [bool(matched(truth, [f.box], SCENE_SIZE)[0]) for f in h.faces]
        covered[k] = any(on_face)
        away = [f for f, on in zip(h.faces, on_face, strict=True) if not on]
        tally.extra_fills += sum(f.detector.startswith("track-") for f in away)
        tally.extra_boxes += sum(not f.detector.startswith("track-") for f in away)
    tally.frames += len(held)
    tally.add(clip.kind, clip.present, detected, covered)


def run_video_bench(data: Path, per_kind: int = 20, seed: int = 0, config: DetectorConfig | None = None,
                    kinds: tuple[str, ...] = KINDS, progress: bool = True) -> VideoTally:
    """The video recall bench on clips made from the photos under `data` (photo bench's sources)."""
    from tqdm import tqdm

    from id2face.evaluation.detection.clips import clips
    from id2face.evaluation.detection.scenes import find_sources
    from id2face.face.detect import FaceDetector

    sources = find_sources(data, FaceDetector(DetectorConfig(centerface=False, rotations=False)), 200, seed)
    if not sources:
        raise FileNotFoundError(f"no photo with one clear face under {data}")
    gap_frames, lookahead = video_defaults()
    detector = FaceDetector(config or DetectorConfig())
    tally = VideoTally()
    for clip in tqdm(list(clips(sources, per_kind, seed, kinds)), desc="clips", disable=not progress,
                     leave=False):
        measure_clip(detector, clip, gap_frames, lookahead, tally)
    detector.close()
    return tally


def video_table(t: VideoTally) -> str:
    """Face-frames covered per kind, per frame and with the tracks; faces left in some frame."""
    head = (f"{'clip kind':<28}  {'face-frames':>11}  {'per frame':>9}  {'as anonymized':>13}  "
            f"{'faces left in a frame':>21}  {'longest gap':>11}")
    lines = [head, "-" * len(head)]

    def pct(a: int, b: int) -> str:
        return f"{100 * a / max(b, 1):.1f}%"

    for kind in t.face_frames:
        n = t.face_frames[kind]
        lines.append(f"{kind:<28}  {n:>11}  {pct(t.detected[kind], n):>9}  {pct(t.covered[kind], n):>13}  "
                     f"{t.left[kind]:>11} of {t.faces[kind]:<6}  {t.longest[kind]:>8} fr")
    n = sum(t.face_frames.values())
    lines.append(f"{'all clips':<28}  {n:>11}  {pct(sum(t.detected.values()), n):>9}  "
                 f"{pct(sum(t.covered.values()), n):>13}  {sum(t.left.values()):>11} of "
                 f"{sum(t.faces.values()):<6}  {max(t.longest.values(), default=0):>8} fr")
    ms = 1000 * float(np.median(t.seconds)) if t.seconds else float("nan")
    lines.append(f"boxes away from the clip's face in {t.frames} frames: {t.extra_boxes} detected (a "
                 f"backdrop's coin heads, false alarms), {t.extra_fills} filled by the tracks (a hidden "
                 f"face's predicted place); median {ms:.1f} ms per frame to detect")
    return "\n".join(lines)
