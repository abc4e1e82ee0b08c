"""onnxruntime follows --threads and does not spin (the oversubscription of issue 14)."""

from pathlib import Path

import pytest
import torch

from id2face.identity import OnnxRecognizer


def test_onnx_session_uses_torchs_thread_count_without_spinning(tmp_path: Path):
    pytest.importorskip("onnx")
    from id2face.testing.models import write_tiny_onnx_recognizer

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rec = OnnxRecognizer(write_tiny_onnx_recognizer(tmp_path / "tiny.onnx", 512))
    finally:
        torch.set_num_threads(before)
    opts = rec._session.get_session_options()
    assert opts.intra_op_num_threads == 1
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
