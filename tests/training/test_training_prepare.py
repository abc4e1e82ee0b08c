"""`id2face prepare` on a handful of generated photos: kept/dropped counts, shards, resume, csv layout."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from safetensors.numpy import load_file

from id2face.io.images import save_image
from id2face.training.extract import ExtractConfig
from id2face.training.prepare import photos_per_shard, prepare_dataset


def _variant(astronaut: np.ndarray, k: int) -> np.ndarray:
    """The sample portrait shifted, scaled and re-lit: a 'different photo' of a face."""
    h, w = astronaut.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 3), 4 * (k - 2), 1.0 - 0.06 * k)
    m[:, 2] += (8 * k, -5 * k)
    img = cv2.warpAffine(astronaut, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return np.clip(img.astype(np.float32) * (0.85 + 0.08 * k), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def folder_source(tmp_path_factory, astronaut):
    import skimage.data

    root = tmp_path_factory.mktemp("src") / "people"
    for person in range(2):
        for k in range(2):
            save_image(_variant(astronaut, 2 * person + k), root / f"person{person}" / f"{k}.jpg")
    save_image(skimage.data.coffee(), root / "person1" / "no_face.jpg")
    face = astronaut[20:240, 120:330]
    two = np.full((260, 520, 3), 200, np.uint8)
    two[20:240, 20:230], two[20:240, 290:500] = face, face
    save_image(two, root / "person1" / "two_faces.jpg")
    (root / "person1" / "broken.jpg").write_bytes(b"not a jpeg")
    return root


def test_prepare_keeps_single_faces_and_counts_the_rest(folder_source, tmp_path):
    from id2face.cli.main import main

    out = tmp_path / "ds"
    assert main(["prepare", str(folder_source), "-o", str(out), "--size", "32", "--workers", "1",
                 "--split", "0.5", "-q"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["num_photos"] == 7 and m["num_samples"] == 4
    assert (
        m["dropped"]["no_face"] == 1
        and m["dropped"]["several_faces"] == 1
        and m["dropped"]["unreadable"] == 1
    )
    assert m["identities"] == ["people/person0", "people/person1"]
    assert len(m["splits"]["val"]) == 1 and len(m["splits"]["train"]) == 1  # whole identities held out
    shard = load_file(str(out / m["shards"][0]["file"]))
    assert shard["crops"].shape == (4, 32, 32, 3) and shard["crops"].dtype == np.uint8
    assert shard["masks"].shape == (4, 32, 32) and shard["masks"].max() == 255
    assert shard["landmarks"].shape == (4, 478, 2) and shard["landmarks"].dtype == np.float16
    assert np.allclose(np.linalg.norm(shard["embeddings"], axis=1), 1, atol=1e-4)
    assert shard["identity"].tolist() == [0, 0, 1, 1]
    e = shard["embeddings"]
    assert (e @ e.T).min() > 0.8  # one person (the sample portrait) in every photo

    # Resume: the same command finds its finished shards and does no work; other settings refuse.
    before = (out / "shard-00000.safetensors").stat().st_mtime_ns
    again = prepare_dataset(
        [folder_source], out, ExtractConfig(size=32), split=0.5, workers=1, progress=False
    )
    assert (out / "shard-00000.safetensors").stat().st_mtime_ns == before
    assert again["num_samples"] == 4
    with pytest.raises(ValueError, match="other settings"):
        prepare_dataset([folder_source], out, ExtractConfig(size=48), split=0.5, workers=1, progress=False)


def test_prepare_reads_identities_csv_relative_to_its_folder(tmp_path, astronaut):
    root = tmp_path / "celeb"
    rows = ["file,identity"]
    for k in range(2):
        save_image(_variant(astronaut, k), root / "images" / f"{k:06d}.jpg")
        rows.append(f"images/{k:06d}.jpg,77")
    (root / "identities.csv").write_text("\n".join(rows) + "\n")
    m = prepare_dataset([root], tmp_path / "ds", ExtractConfig(size=32), split=0.0, workers=1, progress=False)
    assert m["identities"] == ["celeb/77"] and m["num_samples"] == 2
    assert m["files"] == ["celeb/images/000000.jpg", "celeb/images/000001.jpg"]


def test_shards_stay_under_the_transfer_limit():
    for size in (32, 128, 256, 512):
        n = photos_per_shard(size, 512)
        assert n >= 1 and n * (size * size * 4 + 478 * 4 + 512 * 4 + 20) < 16 * 2**20
