"""Bursts: the compact checkpoint carries a run across machines; the compact pack keeps the data close."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from helpers_training import tiny_config, write_synthetic_dataset
from safetensors.numpy import load_file
from safetensors.torch import load_file as load_torch

from id2face.face.points_mesh import fit_points_mesh, load_points_mesh
from id2face.model.build import build_pipeline
from id2face.model.identity_attributes import FILE as IDENTITY_ATTRIBUTES
from id2face.model.identity_attributes import IdentityAttributes, load_identity_attributes
from id2face.model.integrity import verify_checksums
from id2face.model.pipeline import ID2FacePipeline
from id2face.model.skin_tone import FILE as SKIN_TONE
from id2face.model.skin_tone import fit_skin_tone, load_skin_tone
from id2face.training.burst import export_compact, model_weights, restore, to_model
from id2face.training.checkpoint import list_checkpoints
from id2face.training.config import config_to_dict
from id2face.training.pack import pack_dataset, split_parts, unpack_dataset
from id2face.training.points_mesh import add_to_model
from id2face.training.trainer import TrainModule, train

REPO = Path(__file__).resolve().parents[2]


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
    assert "guidance_scale" not in json.loads((model / "training.json").read_text())
    chosen = {"guidance_scale": 1.5, "identity_candidates": 3, "guidance_start": 0.5, "samplers": ["ddim"],
              "mask_dilate": 0.12, "attributes": "gender", "attributes_min_px": 150.0, "skin_tone": 2.0}
    (model / "training.json").write_text(json.dumps({**json.loads((model / "training.json").read_text()),
                                                      **chosen}))
    assert load_points_mesh(model) is None  # a compact checkpoint holds no points-to-mesh map
    rng = np.random.default_rng(0)
    add_to_model(model, fit_points_mesh(rng.uniform(4, 28, (30, 478, 2)), 32, "ffhq"))
    look = IdentityAttributes(np.ones(128), 0.0, np.zeros(128), 40.0, "dlib_resnet_v1")
    look.save(model / IDENTITY_ATTRIBUTES)
    tone = fit_skin_tone(rng.normal(size=(50, 128)), rng.uniform(40, 80, 50), "dlib_resnet_v1")
    tone.save(model / SKIN_TONE)
    again = to_model(compact, tmp_path / "model2", str(cfg_file), sampling_from=model)
    card = json.loads((again / "training.json").read_text())
    assert {k: card[k] for k in chosen} == chosen and card["steps"] == 2
    assert load_points_mesh(again) is not None and verify_checksums(again)  # kept from the sampling model
    assert load_identity_attributes(again, "dlib_resnet_v1").age_b == 40.0
    assert load_skin_tone(again, "dlib_resnet_v1") is not None
    kept = ID2FacePipeline.from_pretrained(again)  # the exported model samples as the sampling model did
    assert (kept.default_mask_dilate, kept.default_attributes, kept.default_attributes_min_px,
            kept.default_skin_tone) == (0.12, "gender", 150.0, 2.0)
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


def _saved_model(tmp_path: Path, steps: int = 7) -> tuple[Path, dict[str, torch.Tensor], Path]:
    """A tiny saved model (as `burst model` writes one) for the training data; its weights; its config."""
    cfg = tiny_config(write_synthetic_dataset(tmp_path / "ds"), tmp_path / "unused")
    torch.manual_seed(1)
    pipe = build_pipeline(cfg.model)
    pipe.save_pretrained(tmp_path / "m")
    card = {"steps": steps, "pairs_seen": 30, "inference_steps": 4}
    (tmp_path / "m" / "training.json").write_text(json.dumps(card))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config_to_dict(cfg), sort_keys=False))
    weights = {k: v.detach().clone() for k, v in TrainModule(pipe).state_dict().items()}
    return tmp_path / "m", weights, tmp_path / "config.yaml"


def _assert_same(path: Path, weights: dict[str, torch.Tensor]) -> None:
    got = load_torch(str(path))
    assert got.keys() == weights.keys() and all(v.dtype == torch.float32 for v in got.values())
    assert all(torch.equal(got[k], v) for k, v in weights.items())


def test_a_saved_model_restores_as_a_checkpoint_and_training_continues(tmp_path):
    model, weights, _ = _saved_model(tmp_path)
    assert model_weights(model).keys() == weights.keys()  # TrainModule's keys: what EMA shards hold
    ckpt = restore(model, tmp_path / "run")
    assert ckpt.name == "step-0000007"
    assert json.loads((ckpt / "state.json").read_text()) == {"step": 7, "stage": 2, "samples": 30}
    _assert_same(ckpt / "ema.safetensors", weights)
    _assert_same(ckpt / "model.safetensors", weights)
    data = tmp_path / "ds"
    train(tiny_config(data, tmp_path / "run", max_steps=8), resume=True, progress=False)
    last = list_checkpoints(tmp_path / "run" / "checkpoints")[-1]
    assert last.name == "step-0000008" and json.loads((last / "state.json").read_text())["samples"] == 32


def test_a_compact_checkpoint_may_name_its_model_instead_of_holding_shards(tmp_path, monkeypatch):
    model, weights, config = _saved_model(tmp_path)
    ck = tmp_path / "checkpoints" / "c"
    ck.mkdir(parents=True)
    state = {"step": 7, "stage": 2, "samples": 30, "ema_model": "m", "files": []}
    (ck / "state.json").write_text(json.dumps(state))
    monkeypatch.chdir(tmp_path)  # ema_model is relative to the repository root
    back = restore(Path("checkpoints/c"), tmp_path / "run")
    _assert_same(back / "ema.safetensors", weights)
    assert "ema_model" not in json.loads((back / "state.json").read_text())
    out = to_model("checkpoints/c", tmp_path / "again", str(config))  # `burst model` reads it the same way
    assert model_weights(out).keys() == weights.keys()
    assert all(torch.equal(model_weights(out)[k], v) for k, v in weights.items())
    assert json.loads((out / "training.json").read_text())["steps"] == 7

    (ck / "state.json").write_text(json.dumps({**state, "step": 9}))  # the checkpoint moved on
    with pytest.raises(ValueError, match="step 9 but its ema_model m at step 7"):
        restore(ck, tmp_path / "run2")
    with pytest.raises(ValueError, match="not the same weights"):
        to_model(ck, tmp_path / "again2", str(config))
    (ck / "state.json").write_text(json.dumps({**state, "ema_model": "nowhere"}))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        restore(ck, tmp_path / "run3")


def test_keep_burst_drops_the_named_model(tmp_path):
    """A burst's shards are newer than the model the kept checkpoint named: the name must go."""
    ck, res = tmp_path / "ck", tmp_path / "res" / "ckpt"
    ck.mkdir()
    res.mkdir(parents=True)
    (ck / "state.json").write_text(json.dumps({"step": 7, "ema_model": "m", "files": []}))
    (ck / "README.md").write_text("ledger\n")
    (res / "ema-00.safetensors").write_bytes(b"x")
    (res / "weights-00.safetensors").write_bytes(b"x")  # live weights stay out
    burst = {"date": "d", "device": "cpu", "minutes": 1, "batch": 2}
    result = {"step": 9, "samples": 4, "burst": burst, "ema_model": "m"}  # as an older export carried it
    (res / "state.json").write_text(json.dumps(result))
    (res.parent / "compile_cache.bin").write_bytes(b"artifacts")  # torch.compile's, for the next burst
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def keep() -> str:
        script = str(REPO / "scripts" / "keep_burst.sh")
        return subprocess.run(["bash", script, str(tmp_path / "res"), str(ck)],
                              check=True, capture_output=True, text=True, env=env).stdout

    keep()
    state = json.loads((ck / "state.json").read_text())
    assert "ema_model" not in state and state["step"] == 9 and state["files"] == ["ema-00.safetensors"]
    assert sorted(p.name for p in ck.iterdir()) == ["README.md", "compile_cache.bin", "ema-00.safetensors",
                                                    "state.json"]
    assert (ck / "README.md").read_text().splitlines()[-1].startswith("| d | cpu | 1 | 2 | 9 | 4 |")
    assert (ck / "compile_cache.bin").read_bytes() == b"artifacts"
    with open(res.parent / "compile_cache.bin", "wb") as f:  # over the repository's 5-MB file limit
        f.truncate(5_000_001)
    assert "over 5 MB: not kept" in keep() and (ck / "compile_cache.bin").read_bytes() == b"artifacts"
