"""People to leave as they are (`--keep PHOTO`): the consenting subject stays, bystanders do not.

Each reference photo gives one identity (its only face), embedded with dlib's recognizer on the
same chip `id2face eval` uses. A detected face is kept only when its raw dlib distance to a
reference is below `threshold`; the default 0.5 is stricter than dlib's usual 0.6, because a wrong
"keep" shows a bystander's face while a wrong "replace" only costs the subject their own face.
Checked on every photo and frame. A reference photo with several faces is refused: keeping only its
largest face dropped the others without a word, and keeping them all could keep a bystander who
happens to be in the picture, so the user says who, one photo per person.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from id2face.face.detect import FaceDetector
from id2face.face.types import Face
from id2face.identity import load_recognizer
from id2face.identity.faces import embed_faces
from id2face.io.images import load_image


@dataclass
class KeepList:
    embeddings: np.ndarray  # (K, 128) raw dlib descriptors
    threshold: float = 0.5
    sources: tuple[str, ...] = ()
    _recognizer: object = field(default=None, repr=False, compare=False)

    @property
    def recognizer(self):
        if self._recognizer is None:
            self._recognizer = load_recognizer("dlib_resnet_v1")
        return self._recognizer

    @classmethod
    def from_photos(cls, paths: list[str | os.PathLike], detector: FaceDetector | None = None,
                    threshold: float = 0.5) -> KeepList:
        """One identity per photo; a photo without a face, or with several, is an error."""
        own = detector is None
        detector = detector or FaceDetector()
        recognizer = load_recognizer("dlib_resnet_v1")
        rows = []
        try:
            for p in paths:
                img = load_image(p)
                faces = detector.detect(img)
                if not faces:
                    raise ValueError(f"{p}: no face found in this --keep photo")
                if len(faces) > 1:
                    raise ValueError(f"{p}: {len(faces)} faces found in this --keep photo; it must show one "
                                     "person (crop it to them; pass --keep once per person)")
                rows.append(embed_faces(recognizer, img, [faces[0]], normalize=False)[0])
        finally:
            if own:
                detector.close()
        return cls(np.stack(rows), threshold, tuple(str(p) for p in paths), recognizer)

    def matches(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Which faces of `image` belong to a kept person."""
        if not faces or len(self.embeddings) == 0:
            return np.zeros(len(faces), bool)
        emb = embed_faces(self.recognizer, image, faces, normalize=False)  # raw: dlib's 0.6 scale
        dist = np.linalg.norm(emb[:, None, :] - self.embeddings[None], axis=-1)
        return dist.min(axis=1) < self.threshold

