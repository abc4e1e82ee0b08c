"""id2face: face anonymization with identity-decoupled diffusion."""

from __future__ import annotations

from id2face.threads import wait_passively

wait_passively()  # before anything loads PyTorch's OpenMP runtime (see id2face.threads)

__version__ = "0.1.0"

__all__ = ["Anonymizer", "ID2FacePipeline", "__version__"]


def __getattr__(name: str):
    # Lazy so that `import id2face` stays cheap for the CLI's --help (torch, MediaPipe, OpenCV).
    if name == "Anonymizer":
        from id2face.anonymizer import Anonymizer

        return Anonymizer
    if name == "ID2FacePipeline":
        from id2face.model.pipeline import ID2FacePipeline

        return ID2FacePipeline
    raise AttributeError(f"module 'id2face' has no attribute {name!r}")
