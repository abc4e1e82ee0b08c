"""Any ArcFace-style ONNX recognizer that a user supplies (112x112 ArcFace template, 512-D)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from id2face.geometry import ARCFACE, CropTemplate

from .base import Recognizer


class OnnxRecognizer(Recognizer):
    """Runs an ONNX face recognizer with onnxruntime on the CPU.

    Input convention of the common ArcFace exports: NCHW float32, RGB, (x - 127.5) / 127.5.
    Other conventions are constructor arguments (`bgr`, `mean`, `std`, `nhwc`).
    """

    def __init__(
        self,
        path: str | Path,
        name: str | None = None,
        template: CropTemplate = ARCFACE,
        input_size: int = 112,
        mean: float = 127.5,
        std: float = 127.5,
        bgr: bool = False,
        nhwc: bool = False,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort
        import torch

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"recognizer ONNX file not found: {path} (pass --recognizer-onnx PATH)")
        opts = ort.SessionOptions()
        # As many threads as torch was given (--threads), and no spinning: see id2face.threads.
        opts.intra_op_num_threads = threads or torch.get_num_threads()
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.name = name or f"onnx:{path.stem}"
        self.template = template
        self.input_size = int(input_size)
        self.mean, self.std, self.bgr, self.nhwc = float(mean), float(std), bool(bgr), bool(nhwc)
        self.dim = self._probe_dim()

    def _probe_dim(self) -> int:
        shape = self._session.get_outputs()[0].shape
        if shape and isinstance(shape[-1], int):
            return int(shape[-1])
        dummy = np.zeros((1, self.input_size, self.input_size, 3), np.uint8)
        return int(self._embed_own(dummy).shape[-1])

    def _embed_own(self, crops: np.ndarray) -> np.ndarray:
        x = crops[..., ::-1] if self.bgr else crops
        x = (x.astype(np.float32) - self.mean) / self.std
        if not self.nhwc:
            x = x.transpose(0, 3, 1, 2)
        out = self._session.run(None, {self._input: np.ascontiguousarray(x)})[0]
        return np.asarray(out, dtype=np.float32).reshape(len(crops), -1)
