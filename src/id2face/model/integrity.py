"""SHA256SUMS next to a model's weights: a damaged or swapped weight file is refused at load.

The file is in `sha256sum` format, so `cd MODEL && sha256sum -c SHA256SUMS` checks it by hand too.
Only weight files are listed; configs and model cards stay editable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS = "SHA256SUMS"


class ModelIntegrityError(ValueError):
    """A weight file does not match the model's SHA256SUMS."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weight_files(model_dir: Path) -> list[Path]:
    return sorted(p for p in Path(model_dir).rglob("*.safetensors") if p.is_file())


def write_checksums(model_dir: str | Path) -> Path:
    model_dir = Path(model_dir)
    lines = [f"{_sha256(p)}  {p.relative_to(model_dir).as_posix()}" for p in weight_files(model_dir)]
    out = model_dir / SUMS
    out.write_text("\n".join(lines) + "\n")
    return out


def verify_checksums(model_dir: str | Path) -> bool:
    """True when SHA256SUMS exists and every listed file matches; False when there is none."""
    model_dir = Path(model_dir)
    sums = model_dir / SUMS
    if not sums.is_file():
        return False
    bad = []
    for line in sums.read_text().splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        path = model_dir / name
        if not path.is_file():
            bad.append(f"{name} (missing)")
        elif _sha256(path) != digest:
            bad.append(f"{name} (changed)")
    if bad:
        raise ModelIntegrityError(f"{model_dir}: weights do not match {SUMS}: {', '.join(bad)}; "
                                  "the model is damaged or was altered: copy it again from its source")
    return True
