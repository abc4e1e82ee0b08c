"""The job manifest in OUT: what was asked (inputs with sizes and mtimes, settings, model checksum).

A rerun compares itself with it: the same settings resume the job (finished outputs are skipped,
changed inputs redone), other settings are refused unless --overwrite, so one output folder never
mixes faces made two different ways without the user saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from id2face.io.files import publish

JOB_DIR = ".id2face"
MANIFEST = "manifest.json"
VERSION = 1


def job_dir(output: str | os.PathLike) -> Path:
    """The hidden folder in OUT that holds the manifest and the per-process journals."""
    return Path(output) / JOB_DIR


def file_stamp(path: Path) -> list[int]:
    """[size, mtime in ns]: enough to notice an input that changed since the last run."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def model_checksum(model_dir: str | os.PathLike | None) -> str | None:
    """A checksum of a model folder without reading its weights: its SHA256SUMS (and training.json) if it
    has one, else the names, sizes and config files (an SD-size model is gigabytes)."""
    if model_dir is None:
        return None
    root = Path(model_dir)
    if not root.is_dir():
        return None
    h = hashlib.sha256()
    sums, card = root / "SHA256SUMS", root / "training.json"
    if sums.is_file():
        h.update(sums.read_bytes())
        if card.is_file():  # its recorded defaults (steps, guidance, region) shape the outputs too
            h.update(card.read_bytes())
    else:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                h.update(f"{p.relative_to(root)}:{p.stat().st_size}\n".encode())
                if p.suffix in (".json", ".yaml"):
                    h.update(p.read_bytes())
    return h.hexdigest()


def photo_checksum(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class JobManifest:
    settings: dict[str, Any]
    inputs: dict[str, list[int]] = field(default_factory=dict)  # input path -> file_stamp

    @classmethod
    def build(cls, sources: Iterable[Path], settings: dict[str, Any]) -> JobManifest:
        inputs = {}
        for src in sorted(sources, key=str):
            try:
                inputs[str(src)] = file_stamp(src)
            except OSError:
                inputs[str(src)] = [-1, -1]  # unreadable now: it fails with its own error later
        return cls(settings=dict(settings), inputs=inputs)

    @classmethod
    def load(cls, folder: Path) -> JobManifest | None:
        path = folder / MANIFEST
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(settings=data["settings"], inputs={k: list(v) for k, v in data["inputs"].items()})
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: unreadable job manifest ({e}); remove it or pass --overwrite") from e

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": VERSION, "settings": self.settings, "inputs": self.inputs}, fh, indent=1)
        publish(tmp, folder / MANIFEST)

    def changed_settings(self, other: JobManifest) -> list[str]:
        """Names of the settings in which `other` differs from this manifest."""
        keys = sorted(set(self.settings) | set(other.settings))
        return [k for k in keys if self.settings.get(k) != other.settings.get(k)]

    def changed_inputs(self, other: JobManifest) -> set[str]:
        """Inputs of this manifest that `other` also lists, with another size or mtime."""
        return {k for k, v in self.inputs.items() if k in other.inputs and other.inputs[k] != v}
