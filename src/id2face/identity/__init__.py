"""Face recognition: frozen identity encoders behind one interface (base.Recognizer).

The model, training, --keep and the evaluation all embed faces through this package; it imports
nothing above the front-end (geometry, io, face).
"""

from __future__ import annotations

from pathlib import Path

from .base import Recognizer
from .dlib_resnet import DLIB_TEMPLATE, DlibRecognizer
from .onnx_arcface import OnnxRecognizer

__all__ = ["DLIB_TEMPLATE", "DlibRecognizer", "OnnxRecognizer", "Recognizer", "load_recognizer"]


def load_recognizer(name: str = "dlib_resnet_v1", onnx_path: str | Path | None = None) -> Recognizer:
    """The recognizer called `name`; ONNX ones need the file (`onnx_path`)."""
    if onnx_path is not None:
        rec = OnnxRecognizer(onnx_path, name=None if name in ("", "onnx") else name)
        return rec
    if name == DlibRecognizer.name:
        return DlibRecognizer()
    raise ValueError(
        f"recognizer {name!r} is not built in; pass the ONNX file it was made from "
        f"(recognizer_onnx=PATH / --recognizer-onnx PATH) or use {DlibRecognizer.name!r}"
    )
