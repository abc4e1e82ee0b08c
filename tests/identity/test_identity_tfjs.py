"""The TFJS graph reader, on a tiny graph the test writes itself (json + bin), against numpy."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch

from id2face.identity.tfjs import TFJSGraph, read_weights


def _s(x: str) -> dict:
    return {"s": base64.b64encode(x.encode()).decode()}


def _conv_attr(stride: int, padding: str) -> dict:
    return {"strides": {"list": {"i": ["1", str(stride), str(stride), "1"]}}, "padding": _s(padding),
            "data_format": _s("NHWC"), "dilations": {"list": {"i": ["1", "1", "1", "1"]}}}


def _np_conv(x, w, stride, groups_depthwise=False):
    """Reference NHWC convolution with TF SAME padding, by loops."""
    n, h, wd, c = x.shape
    kh, kw = w.shape[:2]
    oh, ow = -(-h // stride), -(-wd // stride)
    ph = max((oh - 1) * stride + kh - h, 0)
    pw = max((ow - 1) * stride + kw - wd, 0)
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    cout = w.shape[2] * w.shape[3] if groups_depthwise else w.shape[3]
    y = np.zeros((n, oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            if groups_depthwise:
                y[:, i, j, :] = np.einsum("nhwc,hwcm->ncm", patch, w).reshape(n, -1)
            else:
                y[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, w)
    return y


@pytest.fixture()
def tiny_graph(tmp_path):
    rng = np.random.default_rng(0)
    w = {
        "conv/kernel": rng.normal(size=(3, 3, 3, 4)).astype(np.float32),
        "conv/bias": rng.normal(size=(4,)).astype(np.float32),
        "clip/hi": np.array(2.0, np.float32),
        "clip/lo": np.array(0.0, np.float32),
        "dw/kernel": rng.normal(size=(3, 3, 4, 1)).astype(np.float32),
        "dw/scale": rng.normal(size=(4,)).astype(np.float32),
        "pool/axes": np.array([1, 2], np.int32),
        "fc/kernel": rng.normal(size=(4, 5)).astype(np.float32),
        "fc/bias": rng.normal(size=(5,)).astype(np.float32),
    }
    half = {"conv/kernel", "fc/kernel"}  # stored float16-quantized, like faceres
    manifest, blob = [], b""
    for name, arr in w.items():
        spec = {
            "name": name,
            "shape": list(arr.shape),
            "dtype": "int32" if arr.dtype == np.int32 else "float32",
        }
        if name in half:
            spec["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
            blob += arr.astype(np.float16).tobytes()
            w[name] = arr.astype(np.float16).astype(np.float32)
        elif name == "dw/scale":  # uint8 affine quantization
            lo, scale = float(arr.min()), float(arr.max() - arr.min()) / 255
            q = np.round((arr - lo) / scale).astype(np.uint8)
            spec["quantization"] = {"dtype": "uint8", "min": lo, "scale": scale, "original_dtype": "float32"}
            blob += q.tobytes()
            w[name] = q.astype(np.float32) * scale + lo
        else:
            blob += arr.tobytes()
        manifest.append(spec)
    fl = {"T": {"type": "DT_FLOAT"}}
    nodes = [{"name": k, "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}} for k in w]
    nodes += [
        {"name": "input", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}}},
        {"name": "conv", "op": "Conv2D", "input": ["input", "conv/kernel"], "attr": _conv_attr(2, "SAME")},
        {"name": "add", "op": "Add", "input": ["conv", "conv/bias"], "attr": fl},
        {"name": "relu", "op": "Relu", "input": ["add"], "attr": fl},
        {"name": "min", "op": "Minimum", "input": ["relu", "clip/hi"], "attr": fl},
        {"name": "max", "op": "Maximum", "input": ["min", "clip/lo"], "attr": fl},
        {
            "name": "dw",
            "op": "DepthwiseConv2dNative",
            "input": ["max", "dw/kernel"],
            "attr": _conv_attr(1, "SAME"),
        },
        {"name": "mul", "op": "Mul", "input": ["dw", "dw/scale"], "attr": fl},
        {"name": "pool", "op": "Mean", "input": ["mul", "pool/axes"], "attr": {"keep_dims": {"b": False}}},
        {
            "name": "fc",
            "op": "_FusedMatMul",
            "input": ["pool", "fc/kernel", "fc/bias"],
            "attr": {"fused_ops": {"list": {"s": [_s("BiasAdd")["s"], _s("Relu")["s"]]}}},
        },
        {"name": "out", "op": "Softmax", "input": ["fc"], "attr": fl},
    ]
    spec = {"format": "graph-model", "modelTopology": {"node": nodes},
            "weightsManifest": [{"paths": ["tiny.bin"], "weights": manifest}]}
    (tmp_path / "tiny.json").write_text(json.dumps(spec))
    (tmp_path / "tiny.bin").write_bytes(blob)
    return tmp_path / "tiny.json", w


def test_reader_matches_numpy_reference(tiny_graph):
    path, w = tiny_graph
    g = TFJSGraph(path)
    x = np.random.default_rng(1).normal(size=(2, 7, 6, 3)).astype(np.float32)
    out = g(torch.from_numpy(x), ["pool", "out"])
    y = _np_conv(x.astype(np.float64), w["conv/kernel"], 2) + w["conv/bias"]
    y = np.clip(np.maximum(y, 0), 0, 2)
    y = _np_conv(y, w["dw/kernel"], 1, groups_depthwise=True) * w["dw/scale"]
    pool = y.mean(axis=(1, 2))
    fc = np.maximum(pool @ w["fc/kernel"] + w["fc/bias"], 0)
    soft = np.exp(fc) / np.exp(fc).sum(1, keepdims=True)
    np.testing.assert_allclose(out["pool"].numpy(), pool, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["out"].numpy(), soft, rtol=1e-4, atol=1e-5)
    assert g.default_outputs() == ["out"]


def test_unsupported_op_is_named(tiny_graph, tmp_path):
    path, _ = tiny_graph
    spec = json.loads(path.read_text())
    spec["modelTopology"]["node"].append({"name": "odd", "op": "Cumsum", "input": ["out"]})
    p = tmp_path / "odd.json"
    p.write_text(json.dumps(spec))
    with pytest.raises(NotImplementedError, match="Cumsum"):
        TFJSGraph(p)(torch.zeros(1, 4, 4, 3), ["odd"])


def test_manifest_size_mismatch_raises(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"\0" * 12)
    with pytest.raises(ValueError, match="bytes"):
        read_weights(
            [{"paths": ["w.bin"], "weights": [{"name": "a", "shape": [2], "dtype": "float32"}]}], tmp_path
        )
