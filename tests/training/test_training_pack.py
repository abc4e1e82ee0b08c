import numpy as np
import pytest
import torch
from helpers_training import tiny_config, write_synthetic_dataset
from safetensors.numpy import load_file

from id2face.training.pack import model_to_half, pack_dataset, unpack_dataset


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_pack_then_unpack_restores_the_dataset_closely(tmp_path, fmt):
    src = write_synthetic_dataset(tmp_path / "ds", identities=3, per_identity=4)
    size = pack_dataset(src, tmp_path / "packed", fmt=fmt)
    raw = sum(p.stat().st_size for p in src.iterdir())
    assert size < raw
    unpack_dataset(tmp_path / "packed", tmp_path / "back")
    a = load_file(str(src / "shard-00000.safetensors"))
    b = load_file(str(tmp_path / "back" / "shard-00000.safetensors"))
    assert set(a) == set(b)
    for k in a:
        assert a[k].shape == b[k].shape and a[k].dtype == b[k].dtype, k
    # quality 92; lossy WebP is always 4:2:0, which costs the synthetic faces' sharp colour edges a little
    assert np.abs(a["crops"].astype(int) - b["crops"]).mean() < (3 if fmt == "jpeg" else 5)
    assert np.abs(a["masks"].astype(int) - b["masks"]).mean() < 3
    assert np.abs(a["landmarks"].astype(np.float32) - b["landmarks"].astype(np.float32)).max() <= 0.13
    np.testing.assert_allclose(a["embeddings"], b["embeddings"], atol=1e-3)
    assert np.array_equal(a["identity"], b["identity"])


def test_unpacked_dataset_trains_and_half_model_loads(tmp_path):
    from id2face.model.pipeline import ID2FacePipeline
    from id2face.training.trainer import train

    src = write_synthetic_dataset(tmp_path / "ds")
    pack_dataset(src, tmp_path / "packed")
    unpack_dataset(tmp_path / "packed", tmp_path / "back")
    model_dir = train(tiny_config(tmp_path / "back", tmp_path / "run", max_steps=1), progress=False)
    before = ID2FacePipeline.from_pretrained(model_dir)
    model_to_half(model_dir)
    for f in model_dir.rglob("*.safetensors"):
        assert all(v.dtype != np.float32 for v in load_file(str(f)).values())
    after = ID2FacePipeline.from_pretrained(model_dir)
    p0 = dict(before.unet.named_parameters())
    for name, p in after.unet.named_parameters():
        assert p.dtype == torch.float32  # cast back on load
        torch.testing.assert_close(p, p0[name], atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("budget", [{"max_minutes": 1e-4}, {"stop_at": 1.0}])  # stop_at: a past Unix time
def test_time_budget_stops_training_and_still_exports(tmp_path, budget):
    import json

    from id2face.training.trainer import train

    src = write_synthetic_dataset(tmp_path / "ds")
    model_dir = train(tiny_config(src, tmp_path / "run", max_steps=10_000, **budget), progress=False)
    assert (model_dir / "model_index.json").is_file()
    steps = json.loads((model_dir / "training.json").read_text())["steps"]
    assert steps < 10_000 and (steps == 0 if "stop_at" in budget else True)


def test_v_prediction_with_ddpm_export(tmp_path):
    """The shipped `tiny` config now asks for: v targets, clipped ancestral DDPM sampling."""
    from id2face.model.pipeline import ID2FacePipeline
    from id2face.training.trainer import train

    src = write_synthetic_dataset(tmp_path / "ds")
    cfg = tiny_config(src, tmp_path / "run", max_steps=1)
    cfg.model.prediction_type = "v_prediction"
    cfg.scheduler = "ddpm"
    pipe = ID2FacePipeline.from_pretrained(train(cfg, progress=False))
    sc = pipe.scheduler.config
    assert type(pipe.scheduler).__name__ == "DDPMScheduler" and sc.prediction_type == "v_prediction"
    assert sc.clip_sample and sc.timestep_spacing == "leading" and sc.steps_offset == 1
    pipe.scheduler.set_timesteps(10)
    assert int(pipe.scheduler.timesteps[0]) < 999  # never the alpha_bar ~ 0 step


def test_lzma_landmarks_hold_the_same_values_as_u8_in_fewer_bytes(tmp_path):
    src = write_synthetic_dataset(tmp_path / "ds", identities=3, per_identity=4)
    pack_dataset(src, tmp_path / "u8", landmarks_u8=True)
    pack_dataset(src, tmp_path / "xz", landmarks_xz=True)
    u8 = load_file(str(tmp_path / "u8" / "shard-00000.safetensors"))
    xz = load_file(str(tmp_path / "xz" / "shard-00000.safetensors"))
    assert "landmarks_u8" not in xz and xz["landmarks_xz"].nbytes < u8["landmarks_u8"].nbytes
    unpack_dataset(tmp_path / "u8", tmp_path / "back_u8")
    unpack_dataset(tmp_path / "xz", tmp_path / "back_xz")
    a = load_file(str(tmp_path / "back_u8" / "shard-00000.safetensors"))
    b = load_file(str(tmp_path / "back_xz" / "shard-00000.safetensors"))
    assert np.array_equal(a["landmarks"], b["landmarks"])
