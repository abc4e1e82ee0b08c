"""Enumerate identity-labelled photos from the layouts users have: folder per identity, or a csv.

Two layouts are understood:
- a folder per identity (LFW, VGGFace2): `SRC/<identity>/<photo>` (nested folders are searched);
- a folder with `identities.csv` (`file,identity`, file relative to the csv's folder; CelebA style).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from id2face.io.images import is_image

CSV_NAME = "identities.csv"


@dataclass(frozen=True)
class SourcePhoto:
    """One photo and its identity label, made unique across sources by the source's name."""

    path: Path
    identity: str  # "<source name>/<label>"
    rel: str  # path relative to the source root, as recorded in the manifest


def list_source(root: str | Path, name: str | None = None) -> list[SourcePhoto]:
    """All labelled photos under `root`, sorted so every run sees the same order (resume relies on it)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder")
    prefix = name or root.resolve().name
    table = root / CSV_NAME
    photos: list[SourcePhoto] = []
    if table.is_file():
        with open(table, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"file", "identity"} - set(reader.fieldnames or [])
            if missing:
                raise ValueError(f"{table}: needs the columns file,identity (missing {sorted(missing)})")
            for row in reader:
                rel = row["file"].strip()
                label = row["identity"].strip()
                if rel and label:
                    photos.append(SourcePhoto(root / rel, f"{prefix}/{label}", rel))
    else:
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            for f in sorted(sub.rglob("*")):
                if f.is_file() and is_image(f):
                    photos.append(SourcePhoto(f, f"{prefix}/{sub.name}", f.relative_to(root).as_posix()))
    if not photos:
        raise ValueError(f"{root}: no labelled photos (expected {CSV_NAME} or one sub-folder per identity)")
    photos.sort(key=lambda p: (p.identity, p.rel))
    return photos


def list_sources(roots: list[str | Path]) -> list[SourcePhoto]:
    """Several sources into one list; two roots with the same folder name get distinct prefixes."""
    out: list[SourcePhoto] = []
    seen: dict[str, int] = {}
    for r in roots:
        base = Path(r).resolve().name
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}{seen[base]}"
        out.extend(list_source(r, name))
    return out
