"""Compact copies of prepared datasets and models, for carrying them where bytes are scarce.

A prepared shard stores raw uint8 crops (49 KB a face at 128²). A packed shard stores JPEG (or WebP)
crops and masks and landmarks quantised to 1/4 pixel in int16, about 8 KB a face, so a whole CelebA-size
set travels in a few tens of MB. WebP at the same quality is ~45 % smaller than 4:2:0 JPEG on 128-px
faces (2.0 KB at 34.7 dB vs 3.8 KB at 34.3 dB), which is what lets a whole dataset fit a 64-MiB burst.
`unpack_dataset` restores the exact `id2face prepare` layout that
`FaceDataset` reads. `model_to_half` stores a trained model's weights in float16 (half the bytes;
the loaders cast back to the pipeline's dtype).

    python -m id2face.training.pack pack data/celeba128 packed/celeba128
    python -m id2face.training.pack unpack packed/celeba128 data/celeba128
    python -m id2face.training.pack half runs/tiny/model
    python -m id2face.training.pack parts packed/celeba128 .gpu/celeba128 --max-mib 12   # burst-sized parts
"""

from __future__ import annotations

import argparse
import io
import json
import lzma
import shutil
from pathlib import Path

import numpy as np
from PIL import Image
from safetensors.numpy import load_file, save_file

LANDMARK_SCALE = 4.0  # int16 quarter pixels: +-8191 px range


def _jpeg_blob(
    images: np.ndarray, quality: int, subsampling: int = 0, fmt: str = "jpeg"
) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated JPEG (or WebP) bytes and their end offsets."""
    chunks, ends, total = [], [], 0
    for im in images:
        buf = io.BytesIO()
        if fmt == "webp":
            Image.fromarray(im).save(buf, "WEBP", quality=quality, method=6)
        else:
            Image.fromarray(im).save(buf, "JPEG", quality=quality, subsampling=subsampling)
        b = buf.getvalue()
        chunks.append(np.frombuffer(b, np.uint8))
        total += len(b)
        ends.append(total)
    blob = np.concatenate(chunks) if chunks else np.zeros(0, np.uint8)
    return blob, np.asarray(ends, np.int64)


def _jpeg_unblob(blob: np.ndarray, ends: np.ndarray, gray: bool = False) -> np.ndarray:
    """Decode what _jpeg_blob wrote (either format); gray: one channel (WebP stores grey as RGB)."""
    starts = np.concatenate([[0], ends[:-1]]) if len(ends) else ends
    images = []
    for s, e in zip(starts, ends, strict=True):
        im = Image.open(io.BytesIO(blob[s:e].tobytes()))
        images.append(np.asarray(im.convert("L") if gray else im.convert("RGB")))
    return np.stack(images)


def _landmarks_u8(lm: np.ndarray, size: int) -> np.ndarray:
    """Points in [-S/4, 5S/4) on 256 levels (0.75 px at 128 px): half the bytes of quarter pixels."""
    return np.clip(np.rint((lm.astype(np.float32) / size + 0.25) * 255 / 1.5), 0, 255).astype(np.uint8)


def _landmarks_from_u8(q: np.ndarray, size: int) -> np.ndarray:
    return ((q.astype(np.float32) * 1.5 / 255 - 0.25) * size).astype(np.float16)


def _landmarks_xz(q: np.ndarray) -> dict[str, np.ndarray] | None:
    """u8 landmarks as the shard's mean shape + LZMA-packed residuals, point-major (aligned faces sit
    close to their mean: ~290 B a face instead of 956, with the same values); None if one strays."""
    mean = np.rint(q.astype(np.float32).mean(0)).astype(np.int16)
    resid = q.astype(np.int16) - mean
    if len(q) == 0 or np.abs(resid).max() > 127:
        return None
    raw = np.ascontiguousarray(resid.astype(np.int8).transpose(1, 2, 0)).tobytes()
    return {"landmarks_mean": mean, "landmarks_xz": np.frombuffer(lzma.compress(raw, preset=9), np.uint8)}


def _landmarks_from_xz(t: dict[str, np.ndarray], n: int) -> np.ndarray:
    mean = t["landmarks_mean"]
    resid = np.frombuffer(lzma.decompress(t["landmarks_xz"].tobytes()), np.int8)
    resid = resid.reshape(mean.shape[0], mean.shape[1], n).transpose(2, 0, 1)
    # contiguous: safetensors writes an array's memory as it lies, whatever its strides
    return np.ascontiguousarray((resid.astype(np.int16) + mean).astype(np.uint8))


def pack_dataset(src: str | Path, dst: str | Path, quality: int = 92, subsampling: int = 0,
                 mask_quality: int = 85, landmarks_u8: bool = False, fmt: str = "jpeg",
                 landmarks_xz: bool = False) -> int:
    """Write a packed copy of a prepared dataset; returns its size in bytes.

    subsampling: JPEG chroma subsampling of the crops (0 = 4:4:4, 2 = 4:2:0, a quarter smaller).
    fmt: "jpeg" or "webp" (crops and masks; unpacking reads either).
    landmarks_xz: the u8 landmarks, residual- and LZMA-coded (see _landmarks_xz; a third of the bytes).
    landmarks_u8: landmarks on 256 levels (see _landmarks_u8) instead of int16 quarter pixels.
    """
    src, dst = Path(src), Path(dst)
    manifest = json.loads((src / "manifest.json").read_text())
    dst.mkdir(parents=True, exist_ok=True)
    for shard in manifest["shards"]:
        t = load_file(str(src / shard["file"]))
        out = {k: v for k, v in t.items() if k not in ("crops", "masks", "landmarks")}
        if len(t["crops"]):
            out["crops_jpeg"], out["crops_ends"] = _jpeg_blob(t["crops"], quality, subsampling, fmt)
            out["masks_jpeg"], out["masks_ends"] = _jpeg_blob(t["masks"], mask_quality, 0, fmt)
        xz = _landmarks_xz(_landmarks_u8(t["landmarks"], manifest["size"])) if landmarks_xz else None
        if xz is not None:
            out.update(xz)
        elif landmarks_u8 or landmarks_xz:
            out["landmarks_u8"] = _landmarks_u8(t["landmarks"], manifest["size"])
        else:
            out["landmarks_q"] = np.clip(np.rint(t["landmarks"].astype(np.float32) * LANDMARK_SCALE),
                                         -32767, 32767).astype(np.int16)
        out["embeddings"] = t["embeddings"].astype(np.float16)
        save_file(out, str(dst / shard["file"]))
    shutil.copy2(src / "manifest.json", dst / "manifest.json")
    return sum(p.stat().st_size for p in dst.iterdir())


def unpack_dataset(src: str | Path, dst: str | Path) -> None:
    """Restore the prepared layout (raw uint8 crops and masks, float16 landmarks) from a packed copy."""
    src, dst = Path(src), Path(dst)
    manifest = json.loads((src / "manifest.json").read_text())
    dst.mkdir(parents=True, exist_ok=True)
    for shard in manifest["shards"]:
        t = load_file(str(src / shard["file"]))
        n = len(t["identity"])
        out = {k: v for k, v in t.items() if not k.startswith(("crops_", "masks_", "landmarks_"))}
        size = manifest.get("size", 128)
        if n:
            out["crops"] = _jpeg_unblob(t["crops_jpeg"], t["crops_ends"])
            out["masks"] = _jpeg_unblob(t["masks_jpeg"], t["masks_ends"], gray=True)
        else:
            out["crops"] = np.zeros((0, size, size, 3), np.uint8)
            out["masks"] = np.zeros((0, size, size), np.uint8)
        if "landmarks_xz" in t:
            out["landmarks"] = _landmarks_from_u8(_landmarks_from_xz(t, n), size)
        elif "landmarks_u8" in t:
            out["landmarks"] = _landmarks_from_u8(t["landmarks_u8"], size)
        else:
            out["landmarks"] = (t["landmarks_q"].astype(np.float32) / LANDMARK_SCALE).astype(np.float16)
        out["embeddings"] = t["embeddings"].astype(np.float32)
        save_file(out, str(dst / shard["file"]))
    shutil.copy2(src / "manifest.json", dst / "manifest.json")


def split_parts(src: str | Path, dst: str | Path, max_mib: float) -> list[Path]:
    """Group a packed dataset's shards into dst/part-NN folders of at most `max_mib` each.

    Every part keeps the whole manifest (identities, splits) and lists only its shards, so parts of
    one dataset can be carried to a GPU one burst at a time and still agree on identity numbers.
    """
    src, dst = Path(src), Path(dst)
    manifest = json.loads((src / "manifest.json").read_text())
    groups: list[list[dict]] = [[]]
    size = 0.0
    for shard in manifest["shards"]:
        mib = (src / shard["file"]).stat().st_size / 2**20
        if groups[-1] and size + mib > max_mib:
            groups.append([])
            size = 0.0
        groups[-1].append(shard)
        size += mib
    parts = []
    for i, shards in enumerate(groups):
        part = dst / f"part-{i:02d}"
        part.mkdir(parents=True, exist_ok=True)
        for shard in shards:
            shutil.copy2(src / shard["file"], part / shard["file"])
        part_manifest = {**manifest, "shards": shards, "part": [i, len(groups)]}
        (part / "manifest.json").write_text(json.dumps(part_manifest))
        parts.append(part)
    return parts


def model_to_half(model_dir: str | Path) -> int:
    """Cast every float32 tensor of a saved model to float16 in place; returns the new size in bytes."""
    total = 0
    for f in sorted(Path(model_dir).rglob("*.safetensors")):
        from safetensors import safe_open

        with safe_open(str(f), "np") as h:
            meta = h.metadata()
            tensors = {k: h.get_tensor(k) for k in h.keys()}
        tensors = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in tensors.items()}
        save_file(tensors, str(f), metadata=meta)
        total += f.stat().st_size
    from id2face.model.integrity import (
        write_checksums,  # here: id2face.model loads diffusers; unpack needs none
    )

    write_checksums(model_dir)  # the weights changed: so do their sums
    return total


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m id2face.training.pack", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["pack", "unpack", "half", "parts"])
    ap.add_argument("src")
    ap.add_argument("dst", nargs="?")
    ap.add_argument("--quality", type=int, default=92)
    ap.add_argument("--subsampling", type=int, default=0, choices=[0, 1, 2])
    ap.add_argument("--mask-quality", type=int, default=85)
    ap.add_argument("--format", default="jpeg", choices=["jpeg", "webp"], help="pack: image codec")
    ap.add_argument("--landmarks-u8", action="store_true", help="landmarks on 256 levels (0.75 px at 128 px)")
    ap.add_argument("--landmarks-xz", action="store_true",
                    help="--landmarks-u8, then residual + LZMA coded: same values, a third of the bytes")
    ap.add_argument("--max-mib", type=float, default=16.0, help="parts: size of each part")
    a = ap.parse_args(argv)
    if a.action == "pack":
        size = pack_dataset(a.src, a.dst, a.quality, a.subsampling, a.mask_quality, a.landmarks_u8, a.format,
                            a.landmarks_xz)
        print(f"{size / 2**20:.1f} MiB")
    elif a.action == "parts":
        for part in split_parts(a.src, a.dst, a.max_mib):
            print(part, f"{sum(f.stat().st_size for f in part.iterdir()) / 2**20:.1f} MiB")
    elif a.action == "unpack":
        unpack_dataset(a.src, a.dst)
    else:
        print(f"{model_to_half(a.src) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
