"""scripts/heldout_photos.py: the held-out identities' photos, linked into all / tune / test folders."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("heldout_photos", REPO / "scripts" / "heldout_photos.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dataset(tmp_path: Path) -> Path:
    """A source of 3 people (csv layout) and the manifest `prepare --split` would write, person b held out."""
    src = tmp_path / "faces"
    rows = ["file,identity"]
    for person, n in (("a", 2), ("b", 5), ("c", 3)):
        for k in range(n):
            rel = f"images/{person}{k}.jpg"
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(b"jpeg")
            rows.append(f"{rel},{person}")
    (src / "identities.csv").write_text("\n".join(rows) + "\n")
    ds = tmp_path / "ds"
    ds.mkdir()
    manifest = {"sources": [str(src)], "identities": ["faces/a", "faces/b", "faces/c"],
                "splits": {"train": [0, 2], "val": [1]}}
    (ds / "manifest.json").write_text(json.dumps(manifest))
    return ds


def test_only_held_out_people_sorted_by_path(tmp_path):
    photos = _script().heldout_photos(_dataset(tmp_path))
    assert [p.name for p in photos] == [f"b{k}.jpg" for k in range(5)]


def test_folders_split_tune_and_test_and_a_rerun_keeps_them(tmp_path):
    ds, out = _dataset(tmp_path), tmp_path / "held"
    cmd = [sys.executable, str(REPO / "scripts" / "heldout_photos.py"), str(ds), str(out), "--tune", "2",
           "--test-from", "3"]
    for _ in range(2):  # the second run finds the links there and leaves them
        subprocess.run(cmd, check=True, capture_output=True)
    names = {d: sorted(p.name for p in (out / d).iterdir()) for d in ("all", "tune", "test")}
    assert names == {"all": [f"b{k}.jpg" for k in range(5)], "tune": ["b0.jpg", "b1.jpg"],
                     "test": ["b3.jpg", "b4.jpg"]}
    assert all(p.is_symlink() for p in (out / "all").iterdir())  # links: the photos are never copied
