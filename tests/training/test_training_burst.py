"""Bursts: the compact checkpoint carries a run across machines; the compact pack keeps the data close."""

from __future__ import annotations

import json

import numpy as np
from helpers_training import tiny_config, write_synthetic_dataset
from safetensors.numpy import load_file

from id2face.model.pipeline import ID2FacePipeline
from id2face.training.burst import export_compact, restore, to_model
from id2face.training.checkpoint import list_checkpoints
from id2face.training.pack import pack_dataset, split_parts, unpack_dataset
from id2face.training.trainer import train


def test_compact_checkpoint_continues_the_run(tmp_path):
    data = write_synthetic_dataset(tmp_path / "ds")
    train(tiny_config(data, tmp_path / "a", max_steps=2), progress=False)
    compact = export_compact(tmp_path / "a", tmp_path / "repo" / "ckpt")
    state = json.loads((compact / "state.json").read_text())
    assert state["step"] == 2 and state["samples"] == 4 and "optimizer" not in state
    assert state["files"] == ["ema-00.safetensors"]  # EMA only, float16, under 16 MiB a file
    assert all(v.dtype == np.float16 for v in load_file(str(compact / "ema-00.safetensors")).values())
    assert restore(tmp_path / "nothing", tmp_path / "b") is None
    cfg_file = tmp_path / "a" / "config.yaml"  # what the run wrote
    model = to_model(compact, tmp_path / "model", str(cfg_file))
    pipe = ID2FacePipeline.from_pretrained(model)
    assert pipe.default_steps == 20 and json.loads((model / "training.json").read_text())["steps"] == 2
    restored = restore(compact, tmp_path / "b")
    assert restored.name == "step-0000002"
    train(tiny_config(data, tmp_path / "b", max_steps=4), resume=True, progress=False)
    last = list_checkpoints(tmp_path / "b" / "checkpoints")[-1]
    assert last.name == "step-0000004" and json.loads((last / "state.json").read_text())["samples"] == 8
    with_all = export_compact(
        tmp_path / "b", tmp_path / "out", weights=True, optimizer=True, extra={"burst": {"x": 1}}
    )
    names = json.loads((with_all / "state.json").read_text())["files"]
    assert names == ["ema-00.safetensors", "weights-00.safetensors", "optimizer-00.safetensors"]
    back = restore(with_all, tmp_path / "c")
    for k, v in load_file(str(last / "model.safetensors")).items():  # live weights survive in float16
        np.testing.assert_allclose(load_file(str(back / "model.safetensors"))[k], v, rtol=1e-3, atol=1e-4)


def test_u8_landmarks_and_parts(tmp_path):
    src = write_synthetic_dataset(tmp_path / "ds", identities=4, per_identity=3)
    pack_dataset(src, tmp_path / "packed", landmarks_u8=True)
    unpack_dataset(tmp_path / "packed", tmp_path / "back")
    a = load_file(str(src / "shard-00000.safetensors"))["landmarks"].astype(np.float32)
    b = load_file(str(tmp_path / "back" / "shard-00000.safetensors"))["landmarks"].astype(np.float32)
    assert np.abs(a - b).max() <= 1.5 * 32 / 255 / 2 + 0.02  # half a level (32 px crops)
    parts = split_parts(tmp_path / "packed", tmp_path / "parts", max_mib=1.0)
    assert [p.name for p in parts] == ["part-00"]
    man = json.loads((parts[0] / "manifest.json").read_text())
    assert man["part"] == [0, 1] and len(man["shards"]) == 1
