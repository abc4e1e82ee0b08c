"""The sample grid in docs/: public-domain portraits from scikit-image, each anonymized with 8 seeds.

Only public-domain sources are used (the astronaut and the cameraman); grids of the research data sets
are written by `id2face eval` into its report folder and are not committed.

    python scripts/make_sample_grid.py docs/sample_grid.jpg [--model DIR]
"""

from __future__ import annotations

import argparse

import numpy as np
import skimage.data

from id2face.anonymizer import Anonymizer
from id2face.face.align import align_face
from id2face.geometry import FFHQ
from id2face.io.images import save_image
from id2face.methods.registry import build_method

SIZE = 128


def sources() -> list[np.ndarray]:
    cam = skimage.data.camera()
    return [skimage.data.astronaut(), np.repeat(cam[..., None], 3, axis=2)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("--model", default=None)
    ap.add_argument("--seeds", type=int, default=8)
    a = ap.parse_args()
    method = build_method("id2face", a.model)
    rows = []
    for img in sources():
        tiles = []
        for seed in range(a.seeds):
            anon = Anonymizer(method=method, seed=seed)
            out, rep = anon.anonymize_rgb(img)
            face = anon.detector.detect(img)[0]
            src = align_face(img, face, SIZE, FFHQ).crop
            new = align_face(out, face, SIZE, FFHQ).crop  # same transform: the replaced face
            if seed == 0:
                tiles.append(src)
            tiles.append(new)
        rows.append(np.concatenate(tiles, axis=1))
    save_image(np.concatenate(rows, axis=0), a.output, quality=90)
    print(f"wrote {a.output}: source, then seeds 0..{a.seeds - 1}")


if __name__ == "__main__":
    main()
