"""`id2face anonymize`: photos, folders, globs and videos in; anonymized copies out."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from id2face.face.config import DetectorConfig

EPILOG = """examples:
  id2face anonymize photo.jpg -o out/                 # -> out/photo.jpg
  id2face anonymize photos/ -o out/ --recursive       # mirrors the folder tree under out/
  id2face anonymize 'shots/*.png' clip.mp4 -o out/    # globs and videos (audio is kept)
  id2face anonymize photo.jpg                         # -> photo_anonymized.jpg next to it
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="photo or video files, folders or glob patterns")
    p.add_argument("-o", "--output", metavar="OUTDIR",
                   help="output folder (mirrors the input tree); default: NAME_anonymized.EXT next to each input")
    p.add_argument("-m", "--method", default=None, choices=["id2face", "blur", "pixelate", "mask"],
                   help="how faces are replaced (default: id2face with the bundled model; blur if none is installed)")
    p.add_argument("--model", metavar="DIR", help="ID2Face model directory (default: the bundled model)")
    p.add_argument("--seed", type=int, default=0, help="seed for the new identities (default: 0)")
    p.add_argument("--strength", type=float, default=1.0, help="anonymization strength in [0, 1] (OIM blend)")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    p.add_argument("--device", default="cpu", help="torch device for the model, e.g. cpu or cuda")
    add_runtime_arguments(p)
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that already exist (default: skip them)")
    p.add_argument("-t", "--thresh", type=float, default=0.5, help="face detection threshold (default: 0.5)")
    p.add_argument("--second-detector", choices=["none", "dlib-hog"], default="none",
                   help="add faces that a second detector finds (more recall, slower)")
    p.add_argument("--on-error", choices=["fail", "blur"], default="fail",
                   help="a face the method cannot anonymize fails the file (default) or is blurred")
    p.add_argument("--no-audio", action="store_true", help="drop the audio track of videos")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality of outputs (default: 95)")
    p.add_argument("--max-pixels", type=int, default=200_000_000, help="refuse photos larger than this")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_runtime_arguments(p: argparse.ArgumentParser) -> None:
    """Sampler and speed flags of the id2face method (shared by anonymize, bench and eval)."""
    from id2face.model.samplers import SAMPLERS

    p.add_argument("--sampler", choices=list(SAMPLERS), default=None,
                   help="diffusion sampler (default: the model's own; ddpm suits the bundled model)")
    p.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16"], default="auto",
                   help="model precision (default auto: bfloat16 on CUDA, float32 on CPU)")
    p.add_argument("--batch-size", type=int, default=32, help="faces per denoiser batch (default: 32)")
    p.add_argument("--compile", action="store_true", help="torch.compile the denoiser (slow first batch)")


def runtime_options(args: argparse.Namespace) -> dict:
    return {"sampler": args.sampler, "dtype": args.dtype, "batch_size": args.batch_size, "compile": args.compile}


def run(args: argparse.Namespace) -> int:
    from id2face.anonymizer import Anonymizer, default_method
    from id2face.cli.inputs import expand_inputs

    jobs, errors = expand_inputs(args.inputs, args.output, recursive=args.recursive)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if not jobs:
        return 1 if errors else 0
    method = args.method or default_method(args.model)
    try:
        anonymizer = Anonymizer(
            method=method, model=args.model, seed=args.seed, on_error=args.on_error,
            detector=DetectorConfig(threshold=args.thresh, second_detector=None if args.second_detector == "none"
                                    else args.second_detector),
            device=args.device, steps=args.steps, strength=args.strength, max_pixels=args.max_pixels,
            **runtime_options(args),
        )
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    done = skipped = failed = faces = fallbacks = 0
    failed += len(errors)
    bar = tqdm(jobs, unit="file", disable=args.quiet, dynamic_ncols=True)
    for job in bar:
        bar.set_postfix_str(f"{faces} faces, {failed} failed, {job.src.name[-30:]}")
        if job.dst.exists() and not args.overwrite:
            skipped += 1
            continue
        try:
            if job.is_video:
                rep = anonymizer.anonymize_video(job.src, job.dst, keep_audio=not args.no_audio,
                                                 progress=not args.quiet)
            else:
                rep = anonymizer.anonymize_file(job.src, job.dst, quality=args.quality)
        except KeyboardInterrupt:
            raise
        except Exception as e:  # noqa: BLE001 - one line per failed file, the batch goes on
            failed += 1
            msg = str(e) if str(job.src) in str(e) else f"{job.src}: {e}"
            tqdm.write(f"error: {msg}", file=sys.stderr)
            continue
        done += 1
        faces += rep.faces
        fallbacks += rep.fallbacks
    bar.close()
    note = f", {fallbacks} blurred after a failure" if fallbacks else ""
    print(f"{done} file(s) anonymized, {skipped} skipped (exist), {failed} failed; {faces} face(s){note}",
          file=sys.stderr)
    return 1 if failed else 0
