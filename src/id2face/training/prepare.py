"""`id2face prepare`: labelled photos -> a dataset of aligned crops, masks, landmarks and embeddings.

Output layout (DATASET_DIR):
- `plan.json`: the arguments and the photo list hash; a rerun with the same plan resumes.
- `shard-00000.safetensors`, ...: uint8 crops (N,S,S,3), uint8 masks (N,S,S), float16 landmarks
  (N,478,2), float32 embeddings (N,D), int64 identity ids and source indices, float32 face sizes.
  Each shard covers a fixed run of source photos and records its drop counts in its metadata, so
  a shard on disk is a finished unit of work. Shards stay under `SHARD_BYTES` (they travel to GPU
  machines in files of at most 16 MiB).
- `manifest.json`: sources, identities, the validation split, shards, drop counts, recognizer, template.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file
from tqdm import tqdm

from id2face.geometry import TEMPLATES
from id2face.identity import load_recognizer
from id2face.training import extract
from id2face.training.extract import DROP_REASONS, ExtractConfig, Extracted
from id2face.training.sources import SourcePhoto, list_sources

FORMAT = "id2face-faces/1"
SHARD_BYTES = 15 * 2**20  # below the 16 MiB transfer limit, with room for the header
NUM_LANDMARKS = 478


def bytes_per_sample(size: int, embed_dim: int) -> int:
    return size * size * 4 + NUM_LANDMARKS * 2 * 2 + embed_dim * 4 + 8 + 8 + 4


def photos_per_shard(size: int, embed_dim: int) -> int:
    """Every source photo yields at most one face, so this many photos always fit in one shard."""
    return max(1, SHARD_BYTES // bytes_per_sample(size, embed_dim))


def split_identities(faces_per_identity: list[int], fraction: float, seed: int) -> list[int]:
    """Ids of the identities held out for validation: whole identities, chosen by a seeded shuffle
    among those with at least two faces (a validation pair needs two photos of one person)."""
    candidates = [i for i, n in enumerate(faces_per_identity) if n >= 2]
    n = int(round(len(candidates) * fraction))
    if fraction > 0 and n == 0 and len(candidates) > 1:
        n = 1
    order = np.random.default_rng(seed).permutation(len(candidates))
    return sorted(candidates[int(i)] for i in order[:n])


def _plan(photos: list[SourcePhoto], roots: list[str], cfg: ExtractConfig, split: float, seed: int,
          per_shard: int) -> dict:
    digest = hashlib.sha256("\n".join(f"{p.identity}\t{p.rel}" for p in photos).encode()).hexdigest()
    return {"format": FORMAT, "sources": [str(Path(r).resolve()) for r in roots], "extract": asdict(cfg),
            "split": split, "seed": seed, "photos_per_shard": per_shard, "num_photos": len(photos),
            "photo_list_sha256": digest}


def _write_shard(path: Path, results: list[tuple[int, Extracted | str]], photos: list[SourcePhoto],
                 identity_ids: dict[str, int], size: int, embed_dim: int) -> dict:
    kept = [(i, r) for i, r in results if isinstance(r, Extracted)]
    drops = Counter(r for _, r in results if isinstance(r, str))
    tensors = {
        "crops": np.stack([r.crop for _, r in kept]) if kept else np.zeros((0, size, size, 3), np.uint8),
        "masks": np.stack([r.mask for _, r in kept]) if kept else np.zeros((0, size, size), np.uint8),
        "landmarks": (np.stack([r.landmarks for _, r in kept]) if kept
                      else np.zeros((0, NUM_LANDMARKS, 2))).astype(np.float16),
        "embeddings": (np.stack([r.embedding for _, r in kept]) if kept
                       else np.zeros((0, embed_dim))).astype(np.float32),
        "identity": np.array([identity_ids[photos[i].identity] for i, _ in kept], np.int64),
        "source_index": np.array([i for i, _ in kept], np.int64),
        "face_px": np.array([r.face_px for _, r in kept], np.float32),
    }
    meta = {"photos": str(len(results)), "count": str(len(kept)), "dropped": json.dumps(dict(drops))}
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    os.replace(tmp, path)  # a shard on disk is always complete
    return meta


def _shard_meta(path: Path) -> dict:
    with safe_open(str(path), framework="numpy") as f:
        return dict(f.metadata() or {})


def _embed_dim(cfg: ExtractConfig) -> int:
    if cfg.recognizer_onnx is None and cfg.recognizer == "dlib_resnet_v1":
        return 128
    return int(load_recognizer(cfg.recognizer, cfg.recognizer_onnx).dim)


def prepare_dataset(
    sources: list[str | Path],
    output: str | Path,
    config: ExtractConfig | None = None,
    split: float = 0.05,
    seed: int = 0,
    workers: int | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Build (or resume) a dataset in `output`; returns the manifest."""
    cfg = config or ExtractConfig()
    out = Path(output)
    photos = list_sources([Path(s) for s in sources])
    if limit is not None:
        photos = photos[:limit]
    embed_dim = _embed_dim(cfg)
    per_shard = photos_per_shard(cfg.size, embed_dim)
    plan = _plan(photos, [str(s) for s in sources], cfg, split, seed, per_shard)
    out.mkdir(parents=True, exist_ok=True)
    plan_path = out / "plan.json"
    if plan_path.is_file() and not overwrite:
        old = json.loads(plan_path.read_text())
        if old != plan:
            changed = sorted(k for k in plan if old.get(k) != plan[k])
            raise ValueError(f"{out} holds a dataset prepared with other settings ({', '.join(changed)}); "
                             "use another folder or --overwrite")
    if overwrite:
        for f in out.glob("shard-*.safetensors"):
            f.unlink()
        (out / "manifest.json").unlink(missing_ok=True)
    plan_path.write_text(json.dumps(plan, indent=1))

    identities = sorted({p.identity for p in photos})
    identity_ids = {name: i for i, name in enumerate(identities)}
    chunks = [list(range(s, min(s + per_shard, len(photos)))) for s in range(0, len(photos), per_shard)]
    shard_paths = [out / f"shard-{k:05d}.safetensors" for k in range(len(chunks))]
    todo = [k for k, p in enumerate(shard_paths) if not p.is_file()]
    done_photos = sum(len(chunks[k]) for k in range(len(chunks)) if k not in set(todo))

    bar = tqdm(total=len(photos), initial=done_photos, unit="photo", disable=not progress, dynamic_ncols=True,
               desc="prepare")
    drops: Counter = Counter()
    items = [(i, str(photos[i].path)) for k in todo for i in chunks[k]]
    if items:
        for k, results in _run_chunks(items, [chunks[k] for k in todo], cfg, workers, bar, drops):
            _write_shard(shard_paths[todo[k]], results, photos, identity_ids, cfg.size, embed_dim)
    bar.close()

    manifest = _manifest(out, plan, photos, identities, shard_paths, split, seed)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _run_chunks(items, chunks, cfg, workers, bar, drops):
    """Yield (chunk number, ordered results) as each chunk of photos completes."""
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    n_workers = max(1, min(n_workers, len(items)))
    if n_workers == 1:
        extract.init_worker(cfg)
        results_iter = map(extract.work, items)
        pool = None
    else:
        pool = mp.get_context("spawn").Pool(n_workers, initializer=extract.init_worker, initargs=(cfg,))
        results_iter = pool.imap(extract.work, items, chunksize=2)
    try:
        it = iter(results_iter)
        for k, chunk in enumerate(chunks):
            results = []
            for _ in chunk:
                idx, res = next(it)
                results.append((idx, res))
                drops[res if isinstance(res, str) else "kept"] += 1
                bar.update(1)
                bar.set_postfix(
                    {key: drops[key] for key in ("kept", *DROP_REASONS) if drops[key]}, refresh=False
                )
            yield k, results
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _manifest(
    out: Path,
    plan: dict,
    photos: list[SourcePhoto],
    identities: list[str],
    shard_paths: list[Path],
    split: float,
    seed: int,
) -> dict:
    shards = []
    drops: Counter = Counter()
    for p in shard_paths:
        meta = _shard_meta(p)
        drops.update(json.loads(meta.get("dropped", "{}")))
        shards.append({"file": p.name, "count": int(meta["count"]), "photos": int(meta["photos"])})
    cfg = plan["extract"]
    counts = Counter()
    for p in shard_paths:
        with safe_open(str(p), framework="numpy") as f:
            counts.update(f.get_tensor("identity").tolist())
    faces = [int(counts.get(i, 0)) for i in range(len(identities))]
    val = split_identities(faces, split, seed)
    val_set = set(val)
    return {
        "format": FORMAT,
        "size": cfg["size"],
        "template": cfg["template"],
        "template_points": [list(p) for p in TEMPLATES[cfg["template"]].points],
        "recognizer": cfg["recognizer"],
        "embed_dim": _embed_dim(ExtractConfig(**cfg)),
        "sources": plan["sources"],
        "files": [f"{p.identity.split('/', 1)[0]}/{p.rel}" for p in photos],
        "identities": identities,
        "faces_per_identity": faces,
        "splits": {"train": [i for i in range(len(identities)) if i not in val_set], "val": val},
        "shards": shards,
        "num_photos": len(photos),
        "num_samples": sum(s["count"] for s in shards),
        "dropped": {r: int(drops.get(r, 0)) for r in DROP_REASONS},
    }
