"""`id2face anonymize`: photos, folders, globs and videos in; anonymized copies out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from id2face.cli.audit import AuditLog
from id2face.cli.inputs import Job, expand_inputs
from id2face.cli.options import (
    add_batch_argument,
    add_method_argument,
    add_model_arguments,
    add_runtime_arguments,
    add_seed_argument,
    runtime_options,
)
from id2face.face.config import DetectorConfig, MaskConfig
from id2face.io.images import DEFAULT_MAX_PIXELS
from id2face.methods.registry import default_method

if TYPE_CHECKING:
    from id2face.anonymizer import Anonymizer
    from id2face.reports import ImageReport

EPILOG = """examples:
  id2face anonymize photo.jpg -o out/                 # -> out/photo.jpg
  id2face anonymize photos/ -o out/ --recursive       # mirrors the folder tree under out/
  id2face anonymize 'shots/*.png' clip.mp4 -o out/    # globs and videos (audio is kept)
  id2face anonymize photo.jpg                         # -> photo_anonymized.jpg next to it
  id2face anonymize photos/ -o out/ --device cuda --batch-photos 32   # GPU: 32 photos (frames) per call
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="photo or video files, folders or glob patterns"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUTDIR",
        help="output folder (mirrors the input tree); default: NAME_anonymized.EXT next to each input",
    )
    add_method_argument(p, "how faces are replaced (default: id2face with the bundled model; blur if none is "
                        "installed)")
    add_model_arguments(p)
    add_seed_argument(p)
    p.add_argument("--strength", type=float, default=1.0, help="anonymization strength in [0, 1] (OIM blend)")
    add_runtime_arguments(p)
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument(
        "--overwrite", action="store_true", help="redo outputs that already exist (default: skip them)"
    )
    p.add_argument("-t", "--thresh", type=float, default=0.5, help="face detection threshold (default: 0.5)")
    p.add_argument("--second-detector", choices=["none", "dlib-hog"], default="none",
                   help="add faces that a second detector finds (more recall, slower)")
    p.add_argument("--on-error", choices=["fail", "blur"], default="fail",
                   help="a face the method cannot anonymize fails the file (default) or is blurred")
    p.add_argument("--no-audio", action="store_true", help="drop the audio track of videos")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality of outputs (default: 95)")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
                   help=f"refuse photos larger than this (default: {DEFAULT_MAX_PIXELS:_})")
    add_batch_argument(p, None, "16 on a GPU, 1 on a CPU")
    p.add_argument("--preserve", default="", metavar="PARTS",
                   help="facial parts to leave as they are, comma list of eyes, brows, mouth, nose (for "
                   "expression or gaze studies; they carry identity too)")
    p.add_argument("--keep", action="append", default=[], metavar="PHOTO",
                   help="leave this person's face as it is (a photo of them; repeat for several people)")
    p.add_argument(
        "--keep-threshold",
        type=float,
        default=0.5,
        help="dlib distance under which a face counts as a --keep person (default 0.5; dlib's usual 0.6)",
    )
    p.add_argument(
        "--log",
        metavar="FILE.jsonl",
        help="append one JSON line per input (status, faces, boxes, "
        "error): an audit trail, and the list of files where no face was found",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


@dataclass
class Tally:
    """Counts for the summary line and the progress bar (and the --log audit lines)."""

    bar: tqdm
    audit: AuditLog | None = None
    done: int = 0
    skipped: int = 0
    failed: int = 0
    faces: int = 0
    fallbacks: int = 0
    faceless: int = 0
    kept: int = 0
    unchanged: int = 0  # written as they were: no face found, or only --keep faces

    def ok(self, src: Path, dst: Path, rep: ImageReport) -> None:
        self.done += rep.changed
        self.unchanged += not rep.changed
        self.faces += rep.faces
        self.fallbacks += rep.fallbacks
        self.faceless += rep.faces == 0
        self.kept += rep.kept
        if self.audit:
            is_photo = len(rep.boxes) == rep.faces  # videos sum faces over frames and keep no boxes
            status = "anonymized" if rep.changed else "no_face" if rep.faces == 0 else "kept"
            self.audit.record(src, dst, status, rep.faces, rep.fallbacks,
                              rep.boxes if is_photo else None, kept=rep.kept)
        self._step()

    def fail(self, src: Path, dst: Path, e: BaseException) -> None:
        self.failed += 1
        msg = str(e) if str(src) in str(e) else f"{src}: {e}"
        tqdm.write(f"error: {msg}", file=sys.stderr)
        if self.audit:
            self.audit.record(src, dst, "failed", error=msg.splitlines()[0] if msg else type(e).__name__)
        self._step()

    def skip(self, src: Path, dst: Path) -> None:
        self.skipped += 1
        if self.audit:
            self.audit.record(src, dst, "skipped_exists")
        self._step()

    def _step(self) -> None:
        self.bar.update(1)
        self.bar.set_postfix_str(f"{self.faces} faces, {self.failed} failed", refresh=False)

    def summary(self) -> str:
        note = f", {self.fallbacks} blurred after a failure" if self.fallbacks else ""
        none = f"; {self.faceless} file(s) with no face found: check them" if self.faceless else ""
        note += f", {self.kept} kept (--keep)" if self.kept else ""
        same = f"{self.unchanged} unchanged, " if self.unchanged else ""
        return (f"{self.done} file(s) anonymized, {same}{self.skipped} skipped (exist), "
                f"{self.failed} failed; {self.faces} face(s){note}{none}")


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.anonymizer import Anonymizer

    if args.batch is None:  # batching pays on a GPU; on a CPU it only holds more photos in memory
        args.batch = 16 if args.device.startswith("cuda") else 1
    if args.batch < 1:
        print("error: --batch-photos must be at least 1", file=sys.stderr)
        return 2
    jobs, errors = expand_inputs(args.inputs, args.output, recursive=args.recursive)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if not jobs:
        return 1 if errors else 0
    method = args.method or default_method(args.model)
    try:
        keep = None
        if args.keep:
            # here, not at the top (as above): --keep loads the detector and dlib
            from id2face.io.images import MediaError
            from id2face.keep import KeepList

            try:
                keep = KeepList.from_photos(args.keep, threshold=args.keep_threshold)
            except MediaError as e:
                raise ValueError(f"--keep: {e}") from e
        # here, not at the top (as above): OpenCV
        from id2face.face.mask import PARTS

        preserve = tuple(x.strip() for x in args.preserve.split(",") if x.strip())
        unknown = sorted(set(preserve) - set(PARTS))
        if unknown:
            raise ValueError(
                f"--preserve: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}"
            )
        anonymizer = Anonymizer(
            keep=keep,
            mask=MaskConfig(preserve=preserve),
            method=method,
            model=args.model,
            seed=args.seed,
            on_error=args.on_error,
            detector=DetectorConfig(
                threshold=args.thresh,
                second_detector=None if args.second_detector == "none" else args.second_detector,
            ),
            device=args.device,
            steps=args.steps,
            strength=args.strength,
            max_pixels=args.max_pixels,
            **runtime_options(args),
        )
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    # No bar when stderr is not a terminal (tqdm's None): a redirected log gets plain lines only.
    bar = tqdm(total=len(jobs), unit="file", disable=True if args.quiet else None, dynamic_ncols=True)
    tally = Tally(bar,
                  audit=AuditLog(args.log) if args.log else None)
    tally.failed += len(errors)
    for e in errors:  # inputs that named no readable file (printed above)
        if tally.audit:
            tally.audit.record_error(str(e))
    # Consecutive photos go in batches; a video is done on its own (its frames are batched instead).
    for is_video, group in groupby(_pending(jobs, args.overwrite, tally), key=lambda j: j.is_video):
        if is_video:
            for job in group:
                _video(anonymizer, job, args, tally)
        else:
            _photos(anonymizer, group, args, tally)
    tally.bar.close()
    if tally.audit:
        tally.audit.close()
    print(tally.summary(), file=sys.stderr)
    return 1 if tally.failed else 0


def _pending(jobs: list[Job], overwrite: bool, tally: Tally) -> Iterator[Job]:
    """Jobs still to do (checked lazily, as they come up); existing outputs are skipped unless --overwrite."""
    for job in jobs:
        if job.dst.exists() and not overwrite:
            tally.skip(job.src, job.dst)
        else:
            yield job


def _photos(anonymizer: Anonymizer, jobs: Iterable[Job], args: argparse.Namespace, tally: Tally) -> None:
    pairs = ((job.src, job.dst) for job in jobs)
    for r in anonymizer.anonymize_files(pairs, batch=args.batch, quality=args.quality):
        if r.error is None:
            tally.ok(r.src, r.dst, r.report)
        else:
            tally.fail(r.src, r.dst, r.error)


def _video(anonymizer: Anonymizer, job: Job, args: argparse.Namespace, tally: Tally) -> None:
    try:
        rep = anonymizer.anonymize_video(job.src, job.dst, keep_audio=not args.no_audio,
                                         progress=not args.quiet and sys.stderr.isatty(),
                                         batch_frames=args.batch)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - one line per failed file, the batch goes on
        tally.fail(job.src, job.dst, e)
        return
    tally.ok(job.src, job.dst, rep)
