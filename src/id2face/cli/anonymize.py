"""`id2face anonymize`: photos, folders, globs and videos in; anonymized copies out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from id2face.cli.anonymize_job import JobSession, report_missing
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
from id2face.face.config import BLENDS, HEADS, RESAMPLES, DetectorConfig, MaskConfig
from id2face.io.images import DEFAULT_MAX_PIXELS
from id2face.jobs.processes import ProcessGroup
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

photos: JPEG, PNG, WebP, AVIF, TIFF, BMP, GIF, PPM; HEIC/HEIF with `pip install pillow-heif`. Animated GIF,
WebP and PNG are done frame by frame as clips; transparency is kept. Camera RAW and JPEG XL files fail
with one line each (export them first). videos: mp4, mov, mkv, webm, avi, m4v, mpg, wmv, flv.
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
    p.add_argument("--strength", type=float, default=1.0,
                   help="distance from the original identity, from 0 to 1, for the id2face method "
                   "(OIM blend; default: 1)")
    add_runtime_arguments(p)
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument(
        "--overwrite", action="store_true", help="redo outputs that already exist (default: skip them)"
    )
    p.add_argument("-t", "--thresh", type=float, default=0.5, help="face detection threshold (default: 0.5)")
    p.add_argument("--second-detector", choices=["none", "dlib-hog"], default="none",
                   help="add faces that a second detector finds (more recall, slower)")
    p.add_argument("--turned", choices=["always", "empty", "never"], default="always",
                   help="look at photos and video frames turned by 90, 180 and 270 degrees too: always "
                   "(faces lying beside upright ones; about twice the detection time), only where no face "
                   "is upright, or never (default: always)")
    p.add_argument("--small-faces", action="store_true",
                   help="in photos of about 2,900 px and longer, look for faces down to 16 px wide in the "
                   "whole photo at every scale, not only where a crowd or its faint traces show (smaller "
                   "photos are looked at whole anyway; exhaustive: about 2x the detection time, 1.8 s "
                   "instead of 0.9 s for a 12-MP portrait on 2 cores)")
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
    p.add_argument("--mask-hair", action="store_true",
                   help="replace the hair above the forehead too (default: the region stops at the "
                   "hairline and hair stays as it is); with the bundled model it does not hide more: it was "
                   "not trained to draw hair (held-out faceres re-id 3.3 %% vs 1.9 %% without)")
    p.add_argument("--mask-grow", type=float, default=None, metavar="F",
                   help="grow the replaced region past the face's outline by F of the face crop (0 to 0.5; "
                   "default: the width the model was trained to fill, as its training.json records, else "
                   "0.04); wider hides more of the outline, which carries identity")
    p.add_argument("--blend", choices=BLENDS, default="person",
                   help="what is pasted back: 'person' (default), the replaced region less the background "
                   "it reaches into past the head (where neither the real head nor the new one is): no halo "
                   "of smeared background, the real head's outline still drawn over; 'region', all of it; or "
                   "'face', only the face inside its outline: hair, ears and background keep their pixels "
                   "and look better, but the outline carries identity (a second recognizer re-identified "
                   "38%% of faces, against 1.9%%)")
    p.add_argument("--no-hands", action="store_true",
                   help="paste each new face over the hands in front of it too (default: a hand in front "
                   "of a face, on a cheek, under the chin, holding a phone, keeps its own pixels; the face's "
                   "eyes are always replaced)")
    p.add_argument("--heads", choices=HEADS, default=MaskConfig().heads,
                   help="faces without usable landmarks (a profile, a face cut by the photo's edge or half "
                   "hidden): 'replace' gives them to the method on points placed from the face's box, "
                   "upright; 'blur' blurs the head (default: %(default)s)")
    p.add_argument("--unsure", choices=HEADS, default=MaskConfig().unsure,
                   help="a box found on weak evidence (the face detector unsure, only the face mesh "
                   "agreeing: on real photos mostly a pattern, a logo, a cartoon or a fist): 'blur' blurs "
                   "it; 'replace' draws a new face there as on any face (default: %(default)s; blur, "
                   "pixelate and mask treat it as any face)")
    p.add_argument("--grain", type=float, default=None, metavar="F",
                   help="give a new face scaled up into the photo F (0 to 2) of the fine grain it lacks "
                   "against the face it replaces, so that it does not look softer than the photo "
                   "(default: 0, none; 1: all of it; faces smaller than the model's crop never get any; a "
                   "second recognizer was measured to match a few more faces with it)")
    p.add_argument("--resample", choices=RESAMPLES, default=MaskConfig().resample,
                   help="how a new face is scaled up into the photo: 'cubic' (default) or 'lanczos', "
                   "sharper; 'linear' shows the model's pixel grid on large faces (the look before "
                   "2026-11-30); faces smaller than the model's crop are scaled down bilinearly either way")
    p.add_argument("--keep", action="append", default=[], metavar="PHOTO",
                   help="leave this person's face as it is: a photo of them alone (a photo with several "
                   "faces is refused); repeat for several people")
    p.add_argument(
        "--keep-threshold",
        type=float,
        default=0.5,
        help="dlib distance under which a face counts as a --keep person (default 0.5; dlib's usual 0.6)",
    )
    p.add_argument(
        "--log",
        "--log-file",
        dest="log",
        metavar="FILE.jsonl",
        help="append one JSON line per input (status, faces, boxes, error): an audit trail, and the list of "
        "files where no face was found (spell it --log-file after torchrun, which takes --log for its own)",
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
    seen: list[str] = field(default_factory=list)  # inputs accounted for, in the order they were

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
        self._step(src)

    def fail(self, src: Path, dst: Path, e: BaseException) -> None:
        self.failed += 1
        msg = str(e) if str(src) in str(e) else f"{src}: {e}"
        tqdm.write(f"error: {msg}", file=sys.stderr)
        if self.audit:
            self.audit.record(src, dst, "failed", error=msg.splitlines()[0] if msg else type(e).__name__)
        self._step(src)

    def skip(self, src: Path, dst: Path) -> None:
        self.skipped += 1
        if self.audit:
            self.audit.record(src, dst, "skipped_exists")
        self._step(src)

    def _step(self, src: Path) -> None:
        self.seen.append(str(src))
        self.bar.update(1)
        self.bar.set_postfix_str(f"{self.faces} faces, {self.failed} failed", refresh=False)

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in COUNTS}

    def summary(self) -> str:
        return summary_line(self.counts())


COUNTS = ("done", "unchanged", "skipped", "failed", "faces", "fallbacks", "faceless", "kept")


def summary_line(c: dict[str, int]) -> str:
    """done counts the files that were changed; unchanged the ones written as they were (no face
    found, or only --keep faces)."""
    note = (f", {c['fallbacks']} by a fallback (no face mesh: on 5 points or head blurred; or blurred: "
            "found on weak evidence, or after a failure)" if c["fallbacks"] else "")
    none = f"; {c['faceless']} file(s) with no face found: check them" if c["faceless"] else ""
    note += f", {c['kept']} kept (--keep)" if c["kept"] else ""
    same = f"{c['unchanged']} unchanged, " if c.get("unchanged") else ""
    return (f"{c['done']} file(s) anonymized, {same}{c['skipped']} skipped (exist), {c['failed']} failed; "
            f"{c['faces']} face(s){note}{none}")


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.anonymizer import Anonymizer

    group = ProcessGroup.from_env()
    args.device = group.device(args.device)
    if args.batch is None:  # batching pays on a GPU; on a CPU it only holds more photos in memory
        args.batch = 16 if args.device.startswith("cuda") else 1
    if args.batch < 1:
        print("error: --batch-photos must be at least 1", file=sys.stderr)
        return 2
    if group.distributed and not args.output:
        print("error: a job of several processes needs -o OUTDIR (its manifest and journals live there)",
              file=sys.stderr)
        return 2
    if group.distributed and args.consistent:
        print("error: --consistent needs one process (a person's fake identity is fixed by the order in "
              "which photos come, which shards would change)", file=sys.stderr)
        return 2
    jobs, errors = expand_inputs(args.inputs, args.output, recursive=args.recursive)
    if group.main:
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
    if not jobs:
        return 1 if errors else 0
    method = args.method or default_method(args.model)
    session = JobSession(group, args, jobs)
    try:
        group.start(args.device)
        session.prepare(method)
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
        if args.mask_grow is not None and not 0.0 <= args.mask_grow <= 0.5:
            raise ValueError(
                f"--mask-grow must be from 0 to 0.5 (a fraction of the face crop), got {args.mask_grow:g}"
            )
        if args.grain is not None and not 0.0 <= args.grain <= 2.0:
            raise ValueError(f"--grain must be from 0 to 2, got {args.grain:g}")
        grain = {} if args.grain is None else {"grain": args.grain}
        anonymizer = Anonymizer(
            keep=keep,
            mask=MaskConfig(preserve=preserve, hair=args.mask_hair, blend=args.blend, dilate=args.mask_grow,
                            hands=not args.no_hands, heads=args.heads, resample=args.resample,
                            unsure=args.unsure, **grain),
            method=method,
            model=args.model,
            seed=args.seed,
            on_error=args.on_error,
            detector=DetectorConfig(
                threshold=args.thresh,
                second_detector=None if args.second_detector == "none" else args.second_detector,
                rotations=args.turned != "never",
                rotations_beside=args.turned == "always",
                centerface_fine_group=0 if args.small_faces else DetectorConfig.centerface_fine_group,
            ),
            device=args.device,
            steps=args.steps,
            strength=args.strength,
            max_pixels=args.max_pixels,
            **runtime_options(args),
        )
    except (FileNotFoundError, ValueError) as e:
        if group.main:
            print(f"error: {e}", file=sys.stderr)
        group.close()
        return 2
    own_bar = not (args.quiet or group.distributed)
    # No bar when stderr is not a terminal (tqdm's None): a redirected log gets plain lines only.
    tally = Tally(tqdm(total=len(jobs), unit="file", disable=None if own_bar else True, dynamic_ncols=True),
                  audit=session.audit())
    if group.main:
        tally.failed += len(errors)
        for e in errors:  # inputs that named no readable file (printed above)
            if tally.audit:
                tally.audit.record_error(str(e))
    with session.progress():
        if group.main:
            for job in session.plan.finished:
                tally.skip(job.src, job.dst)
        # Consecutive photos go in batches; a video is done on its own (its frames are batched instead).
        for is_video, batch in groupby(session.shard, key=lambda j: j.is_video):
            if is_video:
                for job in batch:
                    _video(anonymizer, job, args, tally, progress=own_bar and sys.stderr.isatty())
            else:
                _photos(anonymizer, batch, args, tally, progress=own_bar and sys.stderr.isatty())
        if tally.audit:
            tally.audit.close()
        counts, missing = session.finish(tally.counts(), tally.seen)
    tally.bar.close()
    anonymizer.close()  # MediaPipe's threads stop here, not in teardown (where they could abort a process)
    group.close()
    if counts is None:  # another process of the job: process 0 reports for everyone
        return 1 if tally.failed else 0
    print(summary_line(counts), file=sys.stderr)
    if missing:
        report_missing(missing)
    return 1 if counts["failed"] or missing else 0


def _photos(anonymizer: Anonymizer, jobs: Iterable[Job], args: argparse.Namespace, tally: Tally,
            progress: bool) -> None:
    pairs = ((job.src, job.dst) for job in jobs)
    for r in anonymizer.anonymize_files(pairs, batch=args.batch, quality=args.quality, progress=progress):
        if r.error is None:
            tally.ok(r.src, r.dst, r.report)
        else:
            tally.fail(r.src, r.dst, r.error)


def _video(anonymizer: Anonymizer, job: Job, args: argparse.Namespace, tally: Tally, progress: bool) -> None:
    try:
        rep = anonymizer.anonymize_video(job.src, job.dst, keep_audio=not args.no_audio,
                                         progress=progress, batch_frames=args.batch)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - one line per failed file, the batch goes on
        tally.fail(job.src, job.dst, e)
        return
    tally.ok(job.src, job.dst, rep)
