"""A tiny dataset in the `id2face prepare` format, for tests (of this package and of its users)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

SIZE = 32


def write_synthetic_dataset(root: Path, identities: int = 4, per_identity: int = 3, size: int = SIZE,
                            seed: int = 0, val: tuple[int, ...] = (3,)) -> Path:
    """A dataset in the `id2face prepare` format: blob 'faces' whose colour depends on the identity."""
    rng = np.random.default_rng(seed)
    n = identities * per_identity
    ident = np.repeat(np.arange(identities), per_identity)
    yy, xx = np.mgrid[0:size, 0:size]
    blob = (((xx - size / 2) / (0.3 * size)) ** 2 + ((yy - size / 2) / (0.38 * size)) ** 2 < 1)
    crops = np.zeros((n, size, size, 3), np.uint8)
    for i in range(n):
        bg = rng.integers(0, 255, 3)
        fg = np.array([60 + 60 * ident[i], 200 - 40 * ident[i], 120], np.uint8)
        crops[i] = bg
        crops[i][blob] = np.clip(fg + rng.integers(-10, 10, 3), 0, 255)
    masks = np.repeat((blob * 255).astype(np.uint8)[None], n, 0)
    t = np.linspace(0, 2 * np.pi, 478)
    lm = np.stack([size / 2 + 0.3 * size * np.cos(t), size / 2 + 0.38 * size * np.sin(t)], -1)
    landmarks = np.repeat(lm[None], n, 0).astype(np.float16)
    emb = rng.normal(size=(identities, 128))[ident] + 0.1 * rng.normal(size=(n, 128))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    root.mkdir(parents=True, exist_ok=True)
    save_file({"crops": crops, "masks": masks, "landmarks": landmarks, "embeddings": emb,
               "identity": ident.astype(np.int64), "source_index": np.arange(n, dtype=np.int64),
               "face_px": np.full(n, 40.0, np.float32)}, str(root / "shard-00000.safetensors"),
              metadata={"photos": str(n), "count": str(n), "dropped": "{}"})
    names = [f"synthetic/{i}" for i in range(identities)]
    manifest = {
        "format": "id2face-faces/1", "size": size, "template": "ffhq", "recognizer": "dlib_resnet_v1",
        "embed_dim": 128, "identities": names, "faces_per_identity": [per_identity] * identities,
        "splits": {"train": [i for i in range(identities) if i not in val], "val": list(val)},
        "shards": [{"file": "shard-00000.safetensors", "count": n, "photos": n}],
        "num_photos": n, "num_samples": n, "dropped": {},
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root
