"""What thread invariance costs (model/thread_invariance.py): the bundled model with and without it.

One process, both variants alternating round by round (on a shared machine a neighbour's burst then
hits both alike): the model call for 1 and 4 faces of the sample portrait, and the whole
`Anonymizer.anonymize` of the portrait (detection, alignment, model, paste). Medians and minima.

    python scripts/measure_thread_invariance.py [--threads 2] [--rounds 10]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import numpy as np
import skimage.data
import torch

import id2face.model.thread_invariance as invariance
from id2face.anonymizer import Anonymizer
from id2face.face.align import align_face
from id2face.face.mask import face_mask
from id2face.face.orient import detect_any_orientation
from id2face.methods.base import mask_settings
from id2face.threads import set_threads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    set_threads(args.threads)
    photo = skimage.data.astronaut()
    anonymizer = Anonymizer(seed=0)
    method = anonymizer.method
    face = detect_any_orientation(anonymizer.detector, photo)[0]
    align_face(photo, face, method.crop_size, method.template)
    face_mask(face, method.crop_size, method.template, mask_settings(method, anonymizer.mask_config))
    crop, mask = face.crop[None], face.mask[None].astype(np.float32)
    src = method.pipe.recognizer.embed(crop, method.template, method.crop_size)

    def model_call(n: int) -> None:
        method.pipe(np.repeat(crop, n, 0), masks=np.repeat(mask, n, 0),
                    source_embeddings=np.repeat(src, n, 0), identity_key=[f"0:{i}" for i in range(n)],
                    num_inference_steps=method.steps)

    work = {"model, 1 face": lambda: model_call(1), "model, 4 faces": lambda: model_call(4),
            "whole photo": lambda: anonymizer.anonymize(photo)}
    invariant = invariance.same_on_any_threads
    variants = {"before": lambda enabled=True: contextlib.nullcontext(), "invariant": invariant}
    times: dict[tuple[str, str], list[float]] = {(w, v): [] for w in work for v in variants}
    anonymizer.anonymize(photo)  # warm-up
    for r in range(args.rounds):
        for v in variants if r % 2 == 0 else reversed(list(variants)):
            invariance.same_on_any_threads = variants[v]
            for w, run in work.items():
                t = time.perf_counter()
                run()
                times[w, v].append(time.perf_counter() - t)
    invariance.same_on_any_threads = invariant
    print(f"torch threads {torch.get_num_threads()}, {args.rounds} rounds")
    for w in work:
        b, a = times[w, "before"], times[w, "invariant"]
        print(f"{w:15s} before {statistics.median(b):.3f} s (min {min(b):.3f})  invariant "
              f"{statistics.median(a):.3f} s (min {min(a):.3f})  ratio of medians "
              f"{statistics.median(a) / statistics.median(b):.2f}, of minima {min(a) / min(b):.2f}")


if __name__ == "__main__":
    main()
