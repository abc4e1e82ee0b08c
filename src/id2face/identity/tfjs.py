"""A small reader and executor for TensorFlow.js graph models (model.json + weight shards).

Why: the second, held-out face recognizer (HSE "faceres") ships only as a TFJS graph. Rather than
pull in TensorFlow, we read the JSON topology and the binary shards and run the few ops such
convolutional graphs use with torch. Unsupported ops raise a clear error naming the op.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

_NP_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "uint8": np.uint8,
              "uint16": np.uint16, "float16": np.float16}


def read_weights(manifest: list[dict], root: Path) -> dict[str, np.ndarray]:
    """Decode every weight group (shards concatenated, optional float16/uint8/uint16 quantization)."""
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b"".join((root / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(s) for s in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = spec.get("quantization")
            if quant:
                qtype = np.dtype(_NP_DTYPES[quant["dtype"]])
                raw = np.frombuffer(buf, dtype=qtype, count=count, offset=offset)
                offset += count * qtype.itemsize
                if quant["dtype"] == "float16":
                    arr = raw.astype(np.float32)
                else:  # affine-quantized integers
                    arr = raw.astype(np.float32) * float(quant["scale"]) + float(quant["min"])
                arr = arr.astype(_NP_DTYPES[spec["dtype"]])
            else:
                dtype = np.dtype(_NP_DTYPES[spec["dtype"]])
                arr = np.frombuffer(buf, dtype=dtype, count=count, offset=offset).copy()
                offset += count * dtype.itemsize
            out[spec["name"]] = arr.reshape(shape)
        if offset != len(buf):
            raise ValueError(f"weight shards hold {len(buf)} bytes but the manifest uses {offset}")
    return out


@dataclass
class _Node:
    name: str
    op: str
    inputs: list[str]
    attr: dict


def _ints(attr: dict, key: str, default: list[int]) -> list[int]:
    lst = attr.get(key, {}).get("list", {})
    return [int(i) for i in lst.get("i", [])] or default


def _string(attr: dict, key: str, default: str) -> str:
    s = attr.get(key, {}).get("s")
    return base64.b64decode(s).decode() if s else default


def _strings(attr: dict, key: str) -> list[str]:
    return [base64.b64decode(s).decode() for s in attr.get(key, {}).get("list", {}).get("s", [])]


def _same_pads(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int],
               dilation: tuple[int, int]) -> tuple[int, int, int, int]:
    """TensorFlow 'SAME' padding (left, right, top, bottom): the odd pixel goes at the end."""
    pads = []
    for size, k, s, d in zip(x.shape[2:], kernel, stride, dilation, strict=True):
        eff = (k - 1) * d + 1
        out = -(-size // s)
        total = max((out - 1) * s + eff - size, 0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    return (left, right, top, bottom)


def _same_pad(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int],
              dilation: tuple[int, int], value: float = 0.0) -> torch.Tensor:
    return F.pad(x, _same_pads(x, kernel, stride, dilation), value=value)


class TFJSGraph(torch.nn.Module):
    """Runs a TFJS graph model in NHWC like TensorFlow, computing only what the outputs need."""

    def __init__(self, model_json: str | Path):
        super().__init__()
        path = Path(model_json)
        spec = json.loads(path.read_text())
        if spec.get("format") not in (None, "graph-model"):
            raise ValueError(f"{path}: not a TFJS graph model (format={spec.get('format')!r})")
        self.meta = {k: v for k, v in spec.items() if k not in ("modelTopology", "weightsManifest")}
        weights = read_weights(spec["weightsManifest"], path.parent)
        self.nodes: dict[str, _Node] = {}
        self.inputs: list[str] = []
        consts: dict[str, np.ndarray] = {}
        for n in spec["modelTopology"]["node"]:
            node = _Node(n["name"], n["op"], [i.split(":")[0].lstrip("^") for i in n.get("input", [])
                                              if not i.startswith("^")], n.get("attr", {}))
            self.nodes[node.name] = node
            if node.op == "Placeholder":
                self.inputs.append(node.name)
            elif node.op == "Const":
                if node.name in weights:
                    consts[node.name] = weights[node.name]
                else:
                    raise ValueError(f"constant {node.name} has no weights in the manifest")
        self._const_names = sorted(consts)
        for i, name in enumerate(self._const_names):
            self.register_buffer(f"c{i}", torch.from_numpy(np.ascontiguousarray(consts[name])))

    def const(self, name: str) -> torch.Tensor:
        return getattr(self, f"c{self._const_names.index(name)}")

    def _order(self, outputs: list[str]) -> list[str]:
        """Topological order of the nodes the outputs depend on (iterative DFS)."""
        seen: set[str] = set()
        order: list[str] = []
        stack: list[tuple[str, bool]] = [(o, False) for o in reversed(outputs)]
        while stack:
            name, done = stack.pop()
            if done:
                order.append(name)
                continue
            if name in seen:
                continue
            seen.add(name)
            stack.append((name, True))
            for i in reversed(self.nodes[name].inputs):
                if i not in seen:
                    stack.append((i, False))
        return order

    @torch.no_grad()
    def forward(self, x: torch.Tensor, outputs: list[str] | None = None) -> dict[str, torch.Tensor]:
        """x: NHWC float tensor for the (single) placeholder. Returns {output name: tensor}."""
        outputs = [o.split(":")[0] for o in (outputs or self.default_outputs())]
        values: dict[str, torch.Tensor] = {}
        for name in self._order(outputs):
            node = self.nodes[name]
            if node.op == "Placeholder":
                values[name] = x
            elif node.op == "Const":
                values[name] = self.const(name)
            else:
                fn = _OPS.get(node.op)
                if fn is None:
                    raise NotImplementedError(f"TFJS op {node.op!r} (node {name}) is not supported")
                values[name] = fn(node, [values[i] for i in node.inputs])
        return {o: values[o] for o in outputs}

    def default_outputs(self) -> list[str]:
        sig = self.meta.get("signature", {}).get("outputs", {})
        if sig:
            return [v["name"] for v in sig.values()]
        used = {i for n in self.nodes.values() for i in n.inputs}
        return [n for n in self.nodes if n not in used and self.nodes[n].op != "Const"]


def _conv2d(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    x, w = args[0], args[1]  # x NHWC, w HWIO
    return _conv(node, x, w.permute(3, 2, 0, 1), groups=1)


def _depthwise(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    x, w = args[0], args[1]  # w: H, W, C, multiplier
    kh, kw, c, m = w.shape
    return _conv(node, x, w.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw), groups=c)


def _conv(node: _Node, x: torch.Tensor, w_oihw: torch.Tensor, groups: int) -> torch.Tensor:
    if _string(node.attr, "data_format", "NHWC") != "NHWC":
        raise NotImplementedError("only NHWC convolutions are supported")
    strides = _ints(node.attr, "strides", [1, 1, 1, 1])[1:3]
    dil = _ints(node.attr, "dilations", [1, 1, 1, 1])[1:3]
    padding = _string(node.attr, "padding", "VALID")
    xc = x.permute(0, 3, 1, 2)
    if padding == "SAME":
        xc = _same_pad(xc, tuple(w_oihw.shape[2:]), tuple(strides), tuple(dil))
    elif padding != "VALID":
        raise NotImplementedError(f"padding {padding!r}")
    y = F.conv2d(xc, w_oihw.to(xc.dtype), stride=strides, dilation=dil, groups=groups)
    return y.permute(0, 2, 3, 1)


def _fused_conv(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    """Grappler-fused convolutions carry their bias and activation in the node."""
    y = _conv2d(node, args[:2]) if node.op == "_FusedConv2D" else _depthwise(node, args[:2])
    return _apply_fused(node, y, args[2:], fused=True)


def _apply_fused(
    node: _Node, y: torch.Tensor, extra: list[torch.Tensor], fused: bool = False
) -> torch.Tensor:
    if not fused:
        return y
    ops = _strings(node.attr, "fused_ops")
    k = 0
    for op in ops:
        if op == "BiasAdd":
            y = y + extra[k]
            k += 1
        elif op == "Relu":
            y = torch.relu(y)
        elif op == "Relu6":
            y = y.clamp(0, 6)
        elif op == "Prelu":
            alpha = extra[k]
            k += 1
            y = torch.where(y > 0, y, y * alpha)
        elif op == "LeakyRelu":
            y = F.leaky_relu(y, float(node.attr.get("leakyrelu_alpha", {}).get("f", 0.2)))
        elif op == "Sigmoid":
            y = torch.sigmoid(y)
        else:
            raise NotImplementedError(f"fused op {op!r} in {node.name}")
    return y


def _matmul(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    a, b = args[0], args[1]
    if node.attr.get("transpose_a", {}).get("b"):
        a = a.transpose(-1, -2)
    if node.attr.get("transpose_b", {}).get("b"):
        b = b.transpose(-1, -2)
    y = a @ b
    return _apply_fused(node, y, args[2:], fused=node.op == "_FusedMatMul")


def _mean(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    axes = [int(a) for a in np.atleast_1d(args[1].cpu().numpy())]
    keep = bool(node.attr.get("keep_dims", {}).get("b", False))
    return args[0].mean(dim=axes, keepdim=keep)


def _pool(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    k = _ints(node.attr, "ksize", [1, 1, 1, 1])[1:3]
    s = _ints(node.attr, "strides", [1, 1, 1, 1])[1:3]
    x = args[0].permute(0, 3, 1, 2)
    if _string(node.attr, "padding", "VALID") == "SAME":
        if node.op == "MaxPool":
            y = F.max_pool2d(_same_pad(x, tuple(k), tuple(s), (1, 1), float("-inf")), k, s)
        else:  # TF's SAME average pooling excludes padded pixels from the count
            ones = torch.ones(1, 1, *x.shape[2:], dtype=x.dtype)
            xp = _same_pad(x, tuple(k), tuple(s), (1, 1))
            cnt = F.avg_pool2d(_same_pad(ones, tuple(k), tuple(s), (1, 1)), k, s)
            y = F.avg_pool2d(xp, k, s) / cnt
    else:
        y = F.max_pool2d(x, k, s) if node.op == "MaxPool" else F.avg_pool2d(x, k, s)
    return y.permute(0, 2, 3, 1)


def _reshape(node: _Node, args: list[torch.Tensor]) -> torch.Tensor:
    return args[0].reshape([int(v) for v in args[1].cpu().numpy().ravel()])


_Op = Callable[[_Node, list[torch.Tensor]], torch.Tensor]
_OPS: dict[str, _Op] = {
    "Identity": lambda n, a: a[0],
    "Conv2D": _conv2d,
    "DepthwiseConv2dNative": _depthwise,
    "_FusedConv2D": _fused_conv,
    "FusedDepthwiseConv2dNative": _fused_conv,
    "Add": lambda n, a: a[0] + a[1],
    "AddV2": lambda n, a: a[0] + a[1],
    "BiasAdd": lambda n, a: a[0] + a[1],
    "Sub": lambda n, a: a[0] - a[1],
    "Mul": lambda n, a: a[0] * a[1],
    "RealDiv": lambda n, a: a[0] / a[1],
    "Relu": lambda n, a: torch.relu(a[0]),
    "Relu6": lambda n, a: a[0].clamp(0, 6),
    "Minimum": lambda n, a: torch.minimum(a[0], a[1].to(a[0].dtype)),
    "Maximum": lambda n, a: torch.maximum(a[0], a[1].to(a[0].dtype)),
    "Mean": _mean,
    "MatMul": _matmul,
    "_FusedMatMul": _matmul,
    "Sigmoid": lambda n, a: torch.sigmoid(a[0]),
    "Softmax": lambda n, a: torch.softmax(a[0], dim=-1),
    "Reshape": _reshape,
    "MaxPool": _pool,
    "AvgPool": _pool,
}
