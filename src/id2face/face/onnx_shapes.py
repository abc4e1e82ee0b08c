"""Make fixed dimensions of an ONNX graph's input and outputs symbolic, without the `onnx` package.

CenterFace ships with a fixed 10x3x32x32 input, which onnxruntime enforces; its outputs are valid
for any input whose sides are multiples of 32. Rewriting the few shape records at load time lets
one session serve every photo size. The edit works on the protobuf wire format directly (only the
ModelProto -> graph -> input/output -> type -> tensor_type -> shape -> dim path is touched; every
other byte is copied), so `onnx` stays an optional test dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

# ONNX field numbers on the path we edit.
_MODEL_GRAPH = 7
_GRAPH_INPUT, _GRAPH_OUTPUT, _GRAPH_INITIALIZER = 11, 12, 5
_VALUE_NAME, _VALUE_TYPE = 1, 2
_TYPE_TENSOR = 1
_TENSOR_SHAPE = 2
_SHAPE_DIM = 1
_DIM_PARAM = 2
_TENSOR_NAME = 8


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _encode_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _fields(buf: bytes) -> Iterator[tuple[int, int, int, int, int]]:
    """(field, wire type, start of the record, start of the payload, end) for each record."""
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = _varint(buf, pos)
        field, wt = key >> 3, key & 7
        if wt == 0:
            end = _varint(buf, pos)[1]
        elif wt == 1:
            end = pos + 8
        elif wt == 5:
            end = pos + 4
        elif wt == 2:
            n, pos = _varint(buf, pos)
            end = pos + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wt}")
        yield field, wt, start, pos, end
        pos = end


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _encode_varint(field << 3 | 2) + _encode_varint(len(payload)) + payload


def _edit(buf: bytes, handlers: dict[int, Callable[[bytes, int], bytes | None]]) -> bytes:
    """Copy a message, passing the payload of each length-delimited field in `handlers` through it
    (with the field's running index among its repeats); a handler returning None drops the field."""
    out = bytearray()
    seen: dict[int, int] = {}
    for field, wt, start, payload, end in _fields(buf):
        if wt == 2 and field in handlers:
            i = seen.get(field, 0)
            seen[field] = i + 1
            new = handlers[field](bytes(buf[payload:end]), i)
            if new is not None:
                out += _length_delimited(field, new)
        else:
            out += buf[start:end]
    return bytes(out)


def _string_field(buf: bytes, field: int) -> str | None:
    for f, wt, _, payload, end in _fields(buf):
        if f == field and wt == 2:
            return buf[payload:end].decode("utf-8", "replace")
    return None


def _symbolic_shape(names: dict[int, str]) -> Callable[[bytes, int], bytes]:
    """A ValueInfoProto editor that turns the dims at the given indices into named parameters."""

    def dim(payload: bytes, i: int) -> bytes:
        return _length_delimited(_DIM_PARAM, names[i].encode()) if i in names else payload

    def shape(payload: bytes, _: int) -> bytes:
        return _edit(payload, {_SHAPE_DIM: dim})

    def tensor(payload: bytes, _: int) -> bytes:
        return _edit(payload, {_TENSOR_SHAPE: shape})

    def type_(payload: bytes, _: int) -> bytes:
        return _edit(payload, {_TYPE_TENSOR: tensor})

    def value_info(payload: bytes, _: int) -> bytes:
        return _edit(payload, {_VALUE_TYPE: type_})

    return value_info


def dynamic_image_dims(model: bytes) -> bytes:
    """The model with batch, height and width (dims 0, 2, 3) of its data input and of every output
    made symbolic. Weights that old exporters also list as inputs are dropped from the inputs (they
    stay initializers), so onnxruntime may fold them as constants."""
    graph = None
    for field, wt, _, payload, end in _fields(model):
        if field == _MODEL_GRAPH and wt == 2:
            graph = model[payload:end]
    if graph is None:
        raise ValueError("not an ONNX model: no graph")
    weights = {
        _string_field(graph[p:e], _TENSOR_NAME)
        for f, wt, _, p, e in _fields(graph)
        if f == _GRAPH_INITIALIZER and wt == 2
    }
    dims = {0: "N", 2: "H", 3: "W"}
    edit_data = _symbolic_shape(dims)

    def graph_input(payload: bytes, i: int) -> bytes | None:
        return None if _string_field(payload, _VALUE_NAME) in weights else edit_data(payload, i)

    def graph_(payload: bytes, _: int) -> bytes:
        return _edit(payload, {_GRAPH_INPUT: graph_input, _GRAPH_OUTPUT: edit_data})

    return _edit(model, {_MODEL_GRAPH: graph_})
