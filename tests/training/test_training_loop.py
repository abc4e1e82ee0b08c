"""CPU training: the loss falls on a fixed batch, resume is exact, the result loads and anonymizes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers_training import SIZE, tiny_config, write_synthetic_dataset
from safetensors.torch import load_file

from id2face.training.checkpoint import list_checkpoints
from id2face.training.trainer import TrainModule, build_run, to_loss_batch, train


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_synthetic_dataset(tmp_path_factory.mktemp("data") / "synthetic")


def test_pairs_are_two_photos_of_one_identity(data, tmp_path):
    from id2face.training.data import FaceDataset

    ds = FaceDataset([data], "train")
    g = torch.Generator().manual_seed(0)
    a, b = ds.sample_pairs(64, g)
    assert torch.equal(ds.identity[a], ds.identity[b]) and bool((a != b).all())
    assert set(ds.identity.tolist()) == {0, 1, 2}  # identity 3 is held out
    assert set(FaceDataset([data], "val").identity.tolist()) == {3}


def test_a_few_steps_lower_the_loss_on_a_fixed_batch(data, tmp_path):
    torch.manual_seed(0)
    cfg = tiny_config(data, tmp_path / "run")
    run = build_run(cfg)
    module = TrainModule(run.pipe)
    a, b = run.train_set.sample_pairs(2, torch.Generator().manual_seed(1))
    batch = to_loss_batch(run.train_set.batch(a, b), SIZE)
    opt = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=3e-3)

    def loss() -> torch.Tensor:
        return module(batch, cfg.loss, torch.Generator().manual_seed(7))["loss"]

    with torch.no_grad():
        before = loss().item()
    for _ in range(12):
        opt.zero_grad()
        loss().backward()
        opt.step()
    with torch.no_grad():
        after = loss().item()
    assert after < 0.8 * before, (before, after)


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(data, tmp_path):
    whole = train(tiny_config(data, tmp_path / "whole"), progress=False)
    assert (whole / "model_index.json").is_file()
    part = tiny_config(data, tmp_path / "part", max_steps=2)
    train(part, progress=False)
    with pytest.raises(ValueError, match="--resume"):
        train(part, progress=False)
    train(tiny_config(data, tmp_path / "part"), resume=True, progress=False)
    final_whole = list_checkpoints(tmp_path / "whole" / "checkpoints")[-1]
    final_part = list_checkpoints(tmp_path / "part" / "checkpoints")[-1]
    assert final_whole.name == final_part.name == "step-0000004"
    for name in ("model.safetensors", "ema.safetensors", "optimizer.safetensors"):
        w, p = load_file(str(final_whole / name)), load_file(str(final_part / name))
        assert w.keys() == p.keys()
        for k in w:
            torch.testing.assert_close(w[k], p[k], rtol=0, atol=0, msg=f"{name}:{k}")
    rows = [json.loads(x) for x in open(tmp_path / "whole" / "logs" / "log.jsonl")]
    assert any(r["stage"] == "idvae" for r in rows) and any("loss_recomposition" in r for r in rows)


def test_trained_directory_loads_and_anonymizes(data, tmp_path):
    from id2face.model.pipeline import ID2FacePipeline

    model_dir = train(tiny_config(data, tmp_path / "run", max_steps=2, validate_every=2), progress=False)
    assert (tmp_path / "run" / "samples" / "step-0000002.png").is_file()
    pipe = ID2FacePipeline.from_pretrained(model_dir)
    crops = np.full((1, SIZE, SIZE, 3), 128, np.uint8)
    emb = np.random.default_rng(0).normal(size=(1, 128)).astype(np.float32)
    out = pipe(
        crops, source_embeddings=emb, generator=torch.Generator().manual_seed(0), num_inference_steps=2
    )
    assert out.images.shape == (1, SIZE, SIZE, 3) and out.images.dtype == np.uint8


def test_trained_directory_anonymizes_a_photo(data, tmp_path, astronaut):
    pytest.importorskip("id2face.methods.diffusion", reason="the ID2Face face method is not in this checkout")
    from id2face.anonymizer import Anonymizer

    model_dir = train(tiny_config(data, tmp_path / "run", max_steps=1), progress=False)
    anon = Anonymizer(method="id2face", model=model_dir, steps=2)
    out, _report = anon.anonymize_rgb(astronaut)
    assert out.shape == astronaut.shape and out.dtype == np.uint8
    assert not np.array_equal(out, astronaut)  # the face region was replaced


def test_fine_tuning_starts_from_the_saved_weights(data, tmp_path, capsys):
    from id2face.model.pipeline import ID2FacePipeline

    first = train(tiny_config(data, tmp_path / "a", max_steps=2), progress=False)
    saved = ID2FacePipeline.from_pretrained(first)
    cfg = tiny_config(data, tmp_path / "b", max_steps=1, init_from=str(first))
    run = build_run(cfg)
    for name in ("idvae", "recomposer", "unet", "harmonizer"):
        ours, theirs = getattr(run.pipe, name).state_dict(), getattr(saved, name).state_dict()
        assert all(torch.equal(ours[k], theirs[k]) for k in ours), name
    fresh = build_run(tiny_config(data, tmp_path / "c"))
    assert not torch.equal(fresh.pipe.unet.conv_in.weight, run.pipe.unet.conv_in.weight)
    train(cfg, progress=False)  # stage 1 is skipped: the ID-VAE was trained already
    stages = {json.loads(line)["stage"] for line in open(tmp_path / "b" / "logs" / "log.jsonl")}
    assert "idvae" not in stages and "idvae" in {
        json.loads(line)["stage"] for line in open(tmp_path / "a" / "logs" / "log.jsonl")}
    other = tiny_config(data, tmp_path / "d", init_from=str(first))
    other.model.denoiser.block_out_channels = [16, 16]
    with pytest.raises(ValueError, match="does not match this config"):
        build_run(other)
