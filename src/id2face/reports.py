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
    blurred: int = 0  # of the fallbacks, faces blurred (no usable points, found on weak evidence, or failed)

    def add(self, other: ImageReport) -> None:
        """Count `other`'s faces in too (the frames of a video or an animation); boxes stay per photo."""
        self.faces += other.faces
        self.fallbacks += other.fallbacks
        self.kept += other.kept
        self.blurred += other.blurred

    @property
    def replaced(self) -> int:
        """Faces the method itself replaced, on their mesh or on five points (not kept, not blurred)."""
        return self.faces - self.kept - self.blurred

    @property
    def on_points(self) -> int:
        """Of the replaced faces, those replaced on five points (no face mesh)."""
        return self.fallbacks - self.blurred

    @property
    def changed(self) -> bool:
        """Whether any pixel of the photo was changed."""
        return self.faces > self.kept

    def describe(self) -> str:
        """One line saying what happened to the photo, for people (the page, logs)."""
        if self.faces == 0:
            return "no face found: nothing was changed"
        parts = [f"{self.replaced} face{'s' * (self.replaced != 1)} replaced"
                 + (f" ({self.on_points} on five points: no face mesh)" if self.on_points else "")]
        if self.blurred:
            parts.append(f"{self.blurred} blurred (no usable face landmarks, found on weak evidence, or the "
                         "method failed)")
        if self.kept:
            parts.append(f"{self.kept} kept as {'they were' if self.kept > 1 else 'it was'} (--keep)")
        text = ", ".join(parts)
        return text if self.changed else f"{text}: nothing was changed"


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
