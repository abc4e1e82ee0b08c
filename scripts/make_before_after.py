"""Full-size before/after pictures for the model card, from public-domain photos only.

Each source is a photo that ships inside a package this project already installs, with its provenance:
- Grace Hopper (official U.S. Navy photograph, public domain), matplotlib's sample data: one face
  of ~195 px in a 512x600 photo.
- Eileen Collins (NASA, public domain), scikit-image's `astronaut`: one face of ~95 px in 512x512.

    python scripts/make_before_after.py docs/figures [--model DIR] [--seed 0] [--blend region|face]
                                        [--faces points] [--attributes keep|gender|free]

Writes before_after_<name>.jpg (the photo, then the anonymized photo, side by side at full size);
with --blend face, before_after_<name>_blend-face.jpg (only the face inside its outline pasted back), and
likewise before_after_<name>_blend-region.jpg (all of the replaced region);
with --faces points, before_after_<name>_points.jpg: the face given without its mesh, as a profile or a
half-hidden face is (replaced on its five points), without and then with the mesh the model estimates
from them (face/points_mesh.py), beside the photo;
with --attributes gender (or keep, free), before_after_<name>_attributes-gender.jpg: every face's new person
chosen with that look rule (model/identity_attributes.py) instead of the model's own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from id2face.anonymizer import Anonymizer
from id2face.face.config import BLENDS, MaskConfig
from id2face.face.fallback import as_missed
from id2face.io.images import load_image, save_image
from id2face.model.config import ATTRIBUTE_CHOICES


def sources() -> dict[str, np.ndarray]:
    import matplotlib.cbook
    import skimage.data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        hopper = load_image(f.name)
    return {"hopper": hopper, "astronaut": skimage.data.astronaut()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output", type=Path)
    ap.add_argument("--model", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--blend", choices=BLENDS, default=MaskConfig().blend)
    ap.add_argument("--faces", choices=("mesh", "points"), default="mesh")
    ap.add_argument("--attributes", choices=ATTRIBUTE_CHOICES, default=None)
    a = ap.parse_args()
    look = {} if a.attributes is None else {"attributes": a.attributes}
    anon = Anonymizer(model=a.model, seed=a.seed, mask=MaskConfig(blend=a.blend), **look)
    blend = "" if a.blend == MaskConfig().blend else f"_blend-{a.blend}"
    suffix = blend + ("" if a.faces == "mesh" else "_points")
    suffix += f"_attributes-{a.attributes}" if look else ""
    a.output.mkdir(parents=True, exist_ok=True)
    for name, img in sources().items():
        if a.faces == "mesh":
            out, rep = anon.anonymize_rgb(img)
            panels = [img, out]
            if rep.faces == 0 or rep.fallbacks:
                raise SystemExit(f"{name}: {rep.faces} face(s), {rep.fallbacks} fallback(s): not a fair one")
        else:
            panels, rep = [img], None
            estimate = anon.method.points_mesh
            for points_mesh in (None, estimate):  # the five-point path without, then with the estimate
                faces = [as_missed(f) for f in anon.detector.detect(img)]
                anon.method.points_mesh = points_mesh
                out, rep = anon.anonymize_rgb(img, faces)
                panels.append(out)
            if estimate is None:
                raise SystemExit("this model has no points-to-mesh map (points_mesh.safetensors)")
        gap = np.full((img.shape[0], 8, 3), 255, np.uint8)
        dst = a.output / f"before_after_{name}{suffix}.jpg"
        joined = [x for panel in panels for x in (panel, gap)][:-1]
        save_image(np.concatenate(joined, axis=1), dst, quality=90)
        widths = [round(b[2] - b[0]) for b in rep.boxes]
        print(f"wrote {dst}: {img.shape[1]}x{img.shape[0]} photo, face width(s) {widths} px")


if __name__ == "__main__":
    main()
