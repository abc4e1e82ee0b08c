"""Link the photos of a prepared dataset's held-out identities into folders that `id2face eval --data` takes.

    python scripts/heldout_photos.py data/celeba128 data/heldout/celeba-wild [--tune 100] [--test-from 150]

Writes OUT/all (every photo of the held-out identities, including those `prepare` dropped: several faces,
too small), OUT/tune (the first --tune of them, sorted by path: where settings are chosen) and OUT/test (from
--test-from on: never used for choosing; the photos in between were the first burst's evaluation). These
are the lists the model card's figures come from (celeba-wild: 343 photos, tune 100, test 193). Links,
not copies: the photos stay where they are (research-use data is never committed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from id2face.training.data import split_photos


def heldout_photos(dataset: Path) -> list[Path]:
    """Every source photo of the identities `prepare --split` held out, sorted by path."""
    return split_photos([dataset], "val")


def link(photos: list[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for p in photos:
        dst = folder / p.name
        if dst.exists() or dst.is_symlink():
            if dst.resolve() != p.resolve():
                raise SystemExit(f"{dst} exists and is another photo: two held-out photos share a name")
            continue
        dst.symlink_to(p.resolve())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path, help="a folder made by `id2face prepare --split`")
    ap.add_argument("output", type=Path)
    ap.add_argument("--tune", type=int, default=100, help="photos in OUT/tune (default 100)")
    ap.add_argument("--test-from", type=int, default=150, help="first photo of OUT/test (default 150)")
    a = ap.parse_args()
    photos = heldout_photos(a.dataset)
    for name, part in (("all", photos), ("tune", photos[: a.tune]), ("test", photos[a.test_from:])):
        link(part, a.output / name)
        print(f"{a.output / name}: {len(part)} photos")


if __name__ == "__main__":
    main()
