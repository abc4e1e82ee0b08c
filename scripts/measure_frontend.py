"""Measure the face front-end: detection recall on a labelled photo folder, false positives on
face-free images, and CPU time per stage. Prints a table and JSON.

    python scripts/measure_frontend.py --data ../shared/data/celeba-wild [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from id2face.face.align import align_face
from id2face.face.config import DetectorConfig
from id2face.face.detect import FaceDetector
from id2face.face.mask import face_mask
from id2face.face.paste import paste_crop
from id2face.geometry import FFHQ
from id2face.io.images import load_image
from id2face.methods.classic import BlurMethod

# "camera" (the cameraman) is left out: it has a real face.
FACE_FREE = ["coffee", "rocket", "horse", "coins", "brick", "grass", "gravel", "page", "text", "moon",
             "hubble_deep_field", "immunohistochemistry", "logo", "clock", "chelsea"]


def files_of(data: Path) -> list[Path]:
    csv_path = data / "identities.csv"
    if csv_path.is_file():
        return [data / r["file"] for r in csv.DictReader(open(csv_path))]
    return sorted(p for p in data.rglob("*.jpg"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--second-detector", default=None)
    args = ap.parse_args()
    det = FaceDetector(DetectorConfig(second_detector=args.second_detector))
    files = files_of(args.data)
    if args.limit:
        files = files[:: max(1, len(files) // args.limit)][: args.limit]
    t = {"load": 0.0, "detect": 0.0, "align_mask": 0.0, "method": 0.0, "paste": 0.0}
    found = faces_total = with_mesh = 0
    blur = BlurMethod(crop_size=256)
    for f in tqdm(files, unit="photo"):
        t0 = time.perf_counter()
        img = load_image(f)
        t1 = time.perf_counter()
        faces = det.detect(img)
        t2 = time.perf_counter()
        for face in faces:
            align_face(img, face, 256, FFHQ)
            face_mask(face, 256, FFHQ)
        t3 = time.perf_counter()
        new = blur(np.stack([x.crop for x in faces]), None, faces, 0) if faces else []
        t4 = time.perf_counter()
        for face, crop in zip(faces, new, strict=True):
            paste_crop(img, crop, face.mask, face.matrix)
        t5 = time.perf_counter()
        for k, a, b in (("load", t0, t1), ("detect", t1, t2), ("align_mask", t2, t3), ("method", t3, t4),
                        ("paste", t4, t5)):
            t[k] += b - a
        found += bool(faces)
        faces_total += len(faces)
        with_mesh += sum(x.mesh is not None for x in faces)
    import skimage.data

    fp = 0
    for name in FACE_FREE:
        img = getattr(skimage.data, name)()
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        fp += len(det.detect(np.ascontiguousarray(img[..., :3]).astype(np.uint8)))
    n = len(files)
    res = {
        "data": str(args.data), "photos": n, "photos_with_face": found, "recall": found / n,
        "faces": faces_total, "faces_with_mesh": with_mesh,
        "false_positives_on_face_free": fp, "face_free_images": len(FACE_FREE),
        "ms_per_photo": {k: 1000 * v / n for k, v in t.items()},
        "machine": f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores",
    }
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
