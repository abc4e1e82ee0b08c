"""What anonymizing a photo, a video or a file reports back (shared by the Anonymizer, its file
batching and the interfaces, so none of them imports another for a result type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class FaceAnonymizationError(RuntimeError):
    """A detected face could not be anonymized; the photo must not be written."""


@dataclass
class ImageReport:
    faces: int = 0  # faces found (kept ones included)
    fallbacks: int = 0  # faces replaced by a fallback: no mesh (5 points, head blur), blurred after a failure
    boxes: list[list[float]] = field(default_factory=list)
    kept: int = 0  # faces of --keep people, left as they are


@dataclass
class FileResult:
    """What happened to one photo: a report, or the error that stopped it (nothing was written)."""

    src: Path
    dst: Path
    report: ImageReport | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
