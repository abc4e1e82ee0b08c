"""Training data: prepared shards in memory, same-identity pairs, flips and colour jitter.

Batches are drawn by a generator seeded from (seed, step, micro-batch, process), not by an
iterator with hidden state: a resumed run sees exactly the batches an uninterrupted one would,
and every process of a multi-GPU run sees different ones. The uint8 arrays are indexed directly
(no decoding, no worker processes), so a GPU is never starved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file

from id2face.training.sources import list_sources

FIELDS = ("crops", "masks", "landmarks", "embeddings", "identity")


@dataclass
class Batch:
    """A batch of pairs (a, b): two different photos of the same person, as model-ready tensors."""

    image_a: torch.Tensor  # (B, 3, S, S) in [-1, 1]
    mask_a: torch.Tensor  # (B, 1, S, S) in [0, 1]
    landmarks_a: torch.Tensor  # (B, 478, 2) crop pixels
    embed_a: torch.Tensor  # (B, D)
    image_b: torch.Tensor
    mask_b: torch.Tensor
    landmarks_b: torch.Tensor
    embed_b: torch.Tensor

    def to(self, device, dtype=None) -> Batch:
        def mv(t: torch.Tensor) -> torch.Tensor:
            return t.to(
                device, dtype if dtype is not None and t.is_floating_point() else None, non_blocking=True
            )

        return Batch(**{k: mv(v) for k, v in self.__dict__.items()})


def read_manifest(path: str | Path) -> dict:
    m = Path(path) / "manifest.json"
    if not m.is_file():
        raise FileNotFoundError(
            f"{path}: no manifest.json (prepare the dataset with `id2face prepare SRC -o {path}`)"
        )
    return json.loads(m.read_text())


def split_photos(dirs: list[str | Path], split: str = "train") -> list[Path]:
    """The source photos of the prepared datasets' split (every photo of its identities, the ones `prepare`
    dropped too), sorted by path."""
    out = []
    for d in dirs:
        man = read_manifest(d)
        wanted = {man["identities"][i] for i in man["splits"][split]}
        out += [p.path for p in list_sources(man["sources"]) if p.identity in wanted]
    return sorted(out)


def split_shards(dirs: list[str | Path], split: str = "train"
                 ) -> Iterator[tuple[dict, dict[str, np.ndarray], np.ndarray]]:
    """Each non-empty shard of the prepared datasets, in order: (its dataset's manifest, its arrays, which of
    its rows belong to `split`). Identities are numbered apart across the datasets: the "identity" array of
    a later dataset is offset by the identities of the ones before it."""
    offset = 0
    for d in dirs:
        man = read_manifest(d)
        wanted = list(man["splits"][split])
        for s in man["shards"]:
            if s["count"]:
                t = load_file(str(Path(d) / s["file"]))
                keep = np.isin(t["identity"], wanted)
                t["identity"] = t["identity"] + offset
                yield man, t, keep
        offset += len(man["identities"])


class FaceDataset:
    """One or more prepared datasets, concatenated, restricted to one split ('train' or 'val')."""

    def __init__(self, dirs: list[str | Path], split: str = "train"):
        if not dirs:
            raise ValueError("no training data: pass --data DIR (a folder written by `id2face prepare`)")
        arrays: dict[str, list[np.ndarray]] = {k: [] for k in FIELDS}
        ref = None
        self.identities: list[str] = []
        for d in dirs:
            man = read_manifest(d)
            key = (man["size"], man["template"], man["recognizer"], man["embed_dim"])
            if ref is not None and key != ref:
                raise ValueError(f"{d}: size/template/recognizer {key} differ from the first dataset's {ref}")
            ref = key
            self.identities += man["identities"]
        for _, t, keep in split_shards(dirs, split):
            for k in FIELDS:
                arrays[k].append(t[k][keep])
        self.size, self.template, self.recognizer, self.embed_dim = ref
        if not any(len(a) for a in arrays["identity"]):
            raise ValueError(f"the {split} split of {', '.join(map(str, dirs))} is empty")
        self.crops = torch.from_numpy(np.concatenate(arrays["crops"]))
        self.masks = torch.from_numpy(np.concatenate(arrays["masks"]))
        self.landmarks = torch.from_numpy(np.concatenate(arrays["landmarks"]).astype(np.float32))
        self.embeddings = torch.from_numpy(np.concatenate(arrays["embeddings"]))
        self.identity = torch.from_numpy(np.concatenate(arrays["identity"]))
        # Pairs need two photos of a person: index the samples whose identity has at least two.
        ids, inverse, counts = torch.unique(self.identity, return_inverse=True, return_counts=True)
        self.pairable = torch.nonzero(counts[inverse] >= 2).flatten()
        order = torch.argsort(self.identity, stable=True)
        self._sorted = order
        self._start = torch.searchsorted(self.identity[order], self.identity)
        self._count = counts[inverse]
        self.mirror = mirror_permutation(self.landmarks, self.size)
        self.anchor_weights: torch.Tensor | None = None  # over `pairable`; None: a uniform draw

    def __len__(self) -> int:
        return len(self.identity)

    def to(self, device) -> FaceDataset:
        """Move the uint8 arrays to `device` (use for small datasets on a GPU)."""
        for k in ("crops", "masks", "landmarks", "embeddings", "identity", "pairable", "_sorted", "_start",
                  "_count", "mirror"):
            setattr(self, k, getattr(self, k).to(device))
        return self

    def partners(self, idx: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """A different photo of the same person for every index (uniform among the others)."""
        r = torch.randint(0, 2**62, (len(idx),), generator=gen).to(idx.device)
        k = r % (self._count[idx] - 1)  # rank among the other photos
        pos_i = torch.searchsorted(self.identity[self._sorted], self.identity[idx], right=False)
        own_rank = torch.nonzero(self._sorted[None, :] == idx[:, None])[:, 1] - pos_i
        k = k + (k >= own_rank).long()
        return self._sorted[self._start[idx] + k]

    def anchors(self, batch_size: int, gen: torch.Generator) -> torch.Tensor:
        """Faces drawn uniformly over the pairable ones, or by `anchor_weights` (training/tone_balance.py)."""
        if self.anchor_weights is None:
            sel = torch.randint(0, len(self.pairable), (batch_size,), generator=gen)
        else:
            sel = torch.multinomial(self.anchor_weights, batch_size, replacement=True, generator=gen)
        return self.pairable[sel.to(self.pairable.device)]

    def sample_pairs(self, batch_size: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Anchors (see `anchors`), each with a partner: another photo of the same person."""
        a = self.anchors(batch_size, gen)
        return a, self.partners(a, gen)

    def batch(self, a: torch.Tensor, b: torch.Tensor, gen: torch.Generator | None = None,
              flip: bool = False, jitter: float = 0.0) -> Batch:
        """Model-ready pair batch; augmentation draws from `gen` (None: no augmentation)."""
        ia, ma, la = self._views(a, gen if flip else None, gen if jitter > 0 else None, jitter)
        ib, mb, lb = self._views(b, gen if flip else None, gen if jitter > 0 else None, jitter)
        return Batch(ia, ma, la, self.embeddings[a], ib, mb, lb, self.embeddings[b])

    def _views(self, idx, flip_gen, jitter_gen, jitter):
        img = self.crops[idx].permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        mask = self.masks[idx].float().div(255.0)[:, None]
        lm = self.landmarks[idx].clone()
        if flip_gen is not None:
            f = (torch.rand(len(idx), generator=flip_gen) < 0.5).to(img.device)
            img = torch.where(f[:, None, None, None], img.flip(-1), img)
            mask = torch.where(f[:, None, None, None], mask.flip(-1), mask)
            mirrored = lm[:, self.mirror].clone()
            mirrored[..., 0] = self.size - mirrored[..., 0]
            lm = torch.where(f[:, None, None], mirrored, lm)
        if jitter_gen is not None:
            img = colour_jitter(img, jitter, jitter_gen)
        return img, mask, lm


def colour_jitter(img: torch.Tensor, amount: float, gen: torch.Generator) -> torch.Tensor:
    """Small random brightness, contrast and saturation changes, per image, in [-1, 1] space."""
    n = img.shape[0]
    u = (torch.rand(n, 3, generator=gen) * 2 - 1).mul(amount).add(1.0).to(img.device)
    bright, contrast, sat = (u[:, i].view(n, 1, 1, 1) for i in range(3))
    x = (img + 1) / 2 * bright
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean
    grey = x.mean(dim=1, keepdim=True)
    x = (x - grey) * sat + grey
    return x.clamp(0, 1) * 2 - 1


def mirror_permutation(landmarks: torch.Tensor, size: int) -> torch.Tensor:
    """Index map of the face mesh under a horizontal flip (point i becomes point perm[i]).

    Found from the data: mirror the mean face about its own centre line and match the points one
    to one (minimum total distance), so no mesh topology table is needed.
    """
    from scipy.optimize import linear_sum_assignment

    if len(landmarks) == 0:
        return torch.arange(landmarks.shape[1] if landmarks.ndim == 3 else 478)
    mean = landmarks.float().mean(0)
    cx = mean[:, 0].mean()
    mirrored = mean.clone()
    mirrored[:, 0] = 2 * cx - mirrored[:, 0]
    rows, cols = linear_sum_assignment(torch.cdist(mirrored, mean).numpy())
    perm = torch.empty(len(rows), dtype=torch.long)
    perm[torch.as_tensor(rows)] = torch.as_tensor(cols)
    return perm
