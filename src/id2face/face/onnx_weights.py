"""Keep an ONNX model's large weights in safetensors beside a small graph file, and join them at load.

The project ships weights as safetensors only (readable without running code, checked by size
rules); an ONNX file mixes the graph with its weights. Moving each initializer's raw_data into a
safetensors tensor and back is lossless: the joined model is the original graph with the same bytes
in every weight. Works on the protobuf wire format like onnx_shapes, so `onnx` stays optional.
"""

from __future__ import annotations

import numpy as np

from id2face.face.onnx_shapes import (
    _GRAPH_INITIALIZER,
    _MODEL_GRAPH,
    _TENSOR_NAME,
    _edit,
    _fields,
    _length_delimited,
    _string_field,
    _varint,
)

_TENSOR_DIMS, _TENSOR_TYPE, _TENSOR_RAW = 1, 2, 9
# ONNX TensorProto data types whose raw_data moves to safetensors (little-endian, as ONNX stores them).
_DTYPES = {1: np.dtype("<f4"), 7: np.dtype("<i8")}


def _tensor_header(payload: bytes) -> tuple[str | None, int, list[int]]:
    """(name, data type, dims) of a TensorProto."""
    dtype, dims = 0, []
    for f, wt, _, p, e in _fields(payload):
        if f == _TENSOR_TYPE and wt == 0:
            dtype = _varint(payload, p)[0]
        elif f == _TENSOR_DIMS and wt == 0:
            dims.append(_varint(payload, p)[0])
        elif f == _TENSOR_DIMS and wt == 2:  # packed
            pos = p
            while pos < e:
                d, pos = _varint(payload, pos)
                dims.append(d)
    return _string_field(payload, _TENSOR_NAME), dtype, dims


def _on_initializers(model: bytes, edit) -> bytes:
    def graph(payload: bytes, _: int) -> bytes:
        return _edit(payload, {_GRAPH_INITIALIZER: edit})

    return _edit(model, {_MODEL_GRAPH: graph})


def split_weights(model: bytes) -> tuple[bytes, dict[str, np.ndarray]]:
    """(the model without the raw_data of its float32/int64 initializers, those weights by name)."""
    tensors: dict[str, np.ndarray] = {}

    def initializer(payload: bytes, _: int) -> bytes:
        name, dtype, dims = _tensor_header(payload)
        raw = [payload[p:e] for f, wt, _, p, e in _fields(payload) if f == _TENSOR_RAW and wt == 2]
        if name is None or dtype not in _DTYPES or len(raw) != 1:
            return payload
        tensors[name] = np.frombuffer(raw[0], _DTYPES[dtype]).reshape(dims)
        return _edit(payload, {_TENSOR_RAW: lambda *_: None})

    graph = _on_initializers(model, initializer)
    return graph, tensors


def join_weights(graph: bytes, tensors: dict[str, np.ndarray]) -> bytes:
    """The inverse of split_weights: each named initializer gets its raw_data back."""
    missing = set(tensors)

    def initializer(payload: bytes, _: int) -> bytes:
        name, dtype, _dims = _tensor_header(payload)
        if name not in tensors:
            return payload
        missing.discard(name)
        arr = np.ascontiguousarray(tensors[name], dtype=_DTYPES[dtype])
        return payload + _length_delimited(_TENSOR_RAW, arr.tobytes())

    model = _on_initializers(graph, initializer)
    if missing:
        raise ValueError(f"weights without an initializer in the graph: {', '.join(sorted(missing)[:5])}")
    return model
