"""Per-photo work of `id2face prepare`: detect, keep single-face photos, align, mask, embed.

One `FaceExtractor` lives in each worker process: MediaPipe graphs are not fork-safe, so workers
are spawned and build their own detector and recognizer in the pool initializer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from id2face.face.types import Face

# Why a photo was dropped; the manifest counts each.
DROP_REASONS = ("unreadable", "no_face", "several_faces", "no_mesh", "too_small")


@dataclass
class ExtractConfig:
    """What `prepare` asks of each photo."""

    size: int = 128  # crop side in pixels
    template: str = "ffhq"  # crop template (id2face.geometry.TEMPLATES)
    recognizer: str = "dlib_resnet_v1"
    recognizer_onnx: str | None = None
    threshold: float = 0.5  # detection score threshold
    min_face: float = 20.0  # drop faces whose eye-to-mouth span maps to fewer photo pixels than this
    max_pixels: int = 200_000_000


@dataclass
class Extracted:
    """One kept face: the arrays a dataset shard stores."""

    crop: np.ndarray  # (S, S, 3) uint8
    mask: np.ndarray  # (S, S) uint8, 255 = replaced region
    landmarks: np.ndarray  # (478, 2) float32 crop pixels
    embedding: np.ndarray  # (D,) float32, unit norm
    face_px: float  # eye-to-mouth distance in photo pixels (a resolution cue)


class FaceExtractor:
    """Turns one labelled photo into an `Extracted` face or a drop reason."""

    def __init__(self, config: ExtractConfig):
        # here: MediaPipe, OpenCV and dlib, loaded in each worker that extracts (not on GPU boxes)
        from id2face.face.config import DetectorConfig
        from id2face.face.detect import FaceDetector
        from id2face.geometry import TEMPLATES
        from id2face.identity import load_recognizer

        self.config = config
        self.template = TEMPLATES[config.template]
        self.detector = FaceDetector(DetectorConfig(threshold=config.threshold, mesh=True))
        self.recognizer = load_recognizer(config.recognizer, config.recognizer_onnx)

    def __call__(self, path: str | Path) -> Extracted | str:
        # here: MediaPipe, OpenCV and dlib, loaded in each worker that extracts (not on GPU boxes)
        from id2face.face.align import align_face
        from id2face.face.mask import face_mask
        from id2face.io.images import MediaError, load_image

        cfg = self.config
        try:
            image = load_image(path, max_pixels=cfg.max_pixels)
        except MediaError:
            return "unreadable"
        faces = self.detector.detect(image)
        if not faces:
            return "no_face"
        if len(faces) > 1:
            return "several_faces"
        face = faces[0]
        if face.mesh is None:
            return "no_mesh"
        k = face.keypoints5
        span = float(np.linalg.norm((k[0] + k[1]) / 2 - (k[3] + k[4]) / 2))
        if span < cfg.min_face:
            return "too_small"
        align_face(image, face, cfg.size, self.template)
        mask = face_mask(face, cfg.size, self.template)
        # The identity embedding comes from the photo at the recognizer's own template and size,
        # not from the (possibly small) training crop: the best identity estimate the photo allows.
        rec = self.recognizer
        own = align_face(image, _copy_face(face), rec.input_size, rec.template).crop
        emb = rec.embed(own[None], rec.template, rec.input_size)[0]
        return Extracted(
            crop=face.crop.astype(np.uint8),
            mask=np.clip(np.round(mask * 255.0), 0, 255).astype(np.uint8),
            landmarks=face.crop_landmarks[:, :2].astype(np.float32),
            embedding=emb.astype(np.float32),
            face_px=span,
        )


def _copy_face(face):
    return Face(box=face.box, score=face.score, keypoints5=face.keypoints5, mesh=face.mesh)


# --- worker-process plumbing (spawned processes; one extractor each) ---------------------------------
_WORKER: FaceExtractor | None = None


def init_worker(config: ExtractConfig) -> None:
    """Pool initializer: single-threaded native libraries, one extractor per process."""
    global _WORKER
    import cv2

    cv2.setNumThreads(1)
    _WORKER = FaceExtractor(config)


def work(item: tuple[int, str]) -> tuple[int, Extracted | str]:
    """(index, path) -> (index, result); the index lets the parent put results back in order."""
    assert _WORKER is not None, "init_worker was not called"
    idx, path = item
    return idx, _WORKER(path)
