"""Skin tone: the read-out, a fake identity's move toward its source's tone, the map file, the pipeline."""

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from id2face.model import ID2FacePipeline, build_pipeline
from id2face.model.fake_identity import fake_identities
from id2face.model.identity_attributes import IdentityAttributes
from id2face.model.idvae import IDVAE
from id2face.model.skin_tone import FILE, SkinTone, fit_skin_tone, load_skin_tone
from id2face.testing.models import tiny_config

D = 16


def people(n=500, seed=0):
    """Unit embeddings whose axis 0 is gender and axis 1 skin tone (L* = 60 + 15 * axis value), with noise;
    the tone also leans on gender a little (axis 0), as a real read-out's would."""
    rng = np.random.default_rng(seed)
    e = 0.3 * rng.standard_normal((n, D))
    e[:, 0] += np.where(rng.random(n) < 0.5, 1.0, -1.0)
    tone = rng.uniform(-1, 1, n)
    e[:, 1] += tone
    lightness = 60 + 15 * tone + 3 * np.sign(e[:, 0])
    return e / np.linalg.norm(e, axis=1, keepdims=True), lightness


def test_the_fit_reads_tone_and_moves_apart_from_gender():
    e, lightness = people()
    gender = np.zeros(D)
    gender[0] = 5.0
    fit = fit_skin_tone(e[:400], lightness[:400], "dlib_resnet_v1", gender_w=gender)
    read = fit.read(torch.from_numpy(e[400:])).numpy()
    assert np.corrcoef(read, lightness[400:])[0, 1] > 0.8
    assert abs(fit.direction @ gender) < 1e-9 and np.linalg.norm(fit.direction) == pytest.approx(1.0)
    assert fit.w @ fit.direction > 0 and abs(fit.w[0]) > 0.5  # the read-out itself keeps its gender part
    plain = fit_skin_tone(e[:400], lightness[:400], "dlib_resnet_v1")
    np.testing.assert_allclose(plain.direction, plain.w / np.linalg.norm(plain.w))


def test_matched_moves_each_fake_identity_its_gain_of_the_way():
    e, lightness = people()
    gender = np.zeros(D)
    gender[0] = 5.0
    fit = fit_skin_tone(e, lightness, "dlib_resnet_v1", gender_w=gender)
    src = torch.from_numpy(e[:8]).float()
    fake = 2.5 * torch.from_numpy(e[8:16]).float()  # not unit: the norm is kept
    t_src, t_fake = fit.read(src), fit.read(fake)
    for gain in (0.5, 1.0):
        moved = fit.matched(fake, src, gain)
        torch.testing.assert_close(moved.norm(dim=-1), fake.norm(dim=-1))
        torch.testing.assert_close(fit.read(moved), t_fake + gain * (t_src - t_fake), atol=0.05, rtol=0)
        g = IdentityAttributes(gender, 0.0, np.zeros(D), 45.0, "dlib_resnet_v1")
        assert (torch.sign(g.read(moved)[0]) == torch.sign(g.read(fake)[0])).all()  # gender as it was
    torch.testing.assert_close(fit.matched(fake, src, 0.0), fake)
    per_face = fit.matched(fake, src, torch.tensor([0.0, 1.0] * 4))
    torch.testing.assert_close(per_face[0], fake[0])
    assert abs(float(fit.read(per_face[1:2]) - t_src[1])) < 0.05


def test_fake_identities_take_the_source_tone_only_when_asked():
    torch.manual_seed(0)
    idvae = IDVAE(embed_dim=D, latent_dim=4, hidden_dim=32)
    e, lightness = people()
    fit = fit_skin_tone(e, lightness, "dlib_resnet_v1")
    src = torch.from_numpy(e[:10]).float()
    keys = [f"k{i}" for i in range(10)]
    plain = fake_identities(idvae, src, 1.0, keys, None, candidates=4)
    assert torch.equal(plain, fake_identities(idvae, src, 1.0, keys, None, candidates=4, tone=fit))
    toned = fake_identities(idvae, src, 1.0, keys, None, candidates=4, tone=fit, tone_gain=1.0)
    gap_before = (fit.read(plain) - fit.read(src)).abs()
    gap_after = (fit.read(toned) - fit.read(src)).abs()
    assert (gap_after < 0.1).all() and gap_before.mean() > 1.0
    with pytest.raises(ValueError, match="needs the model's skin-tone map"):
        fake_identities(idvae, src, 1.0, keys, None, candidates=4, tone_gain=1.0)
    one = fake_identities(idvae, src, 1.0, keys, None, candidates=1, tone=fit, tone_gain=1.0)
    assert ((fit.read(one) - fit.read(src)).abs() < 0.1).all()  # a single draw moves as well


def test_save_load_round_trip_and_bad_files(tmp_path):
    e, lightness = people()
    fit = fit_skin_tone(e, lightness, "dlib_resnet_v1")
    assert load_skin_tone(tmp_path) is None
    fit.save(tmp_path / FILE)
    back = load_skin_tone(tmp_path, "dlib_resnet_v1")
    np.testing.assert_allclose(back.w, fit.w, rtol=1e-6)
    np.testing.assert_allclose(back.direction, fit.direction, rtol=1e-6)
    assert back.b == pytest.approx(fit.b) and back.recognizer == "dlib_resnet_v1"
    with pytest.raises(ValueError, match="fitted on 'dlib_resnet_v1'.*arcface"):
        load_skin_tone(tmp_path, "arcface")
    save_file({"w": np.zeros(3, np.float32)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not an id2face skin-tone map"):
        SkinTone.load(tmp_path / "other.safetensors")
    against = {"w": np.ones(4, np.float32), "b": np.zeros(1, np.float32),
               "direction": -np.ones(4, np.float32)}
    save_file(against, str(tmp_path / "bad.safetensors"), metadata={"format": "id2face-skin-tone/1"})
    with pytest.raises(ValueError, match="direction against w"):
        SkinTone.load(tmp_path / "bad.safetensors")


def test_a_saved_model_with_a_map_uses_its_recorded_gain(tmp_path):
    s = 32
    torch.manual_seed(0)
    pipe = build_pipeline(tiny_config(s))
    pipe.save_pretrained(tmp_path / "m")
    assert ID2FacePipeline.from_pretrained(tmp_path / "m").skin_tone is None
    rng = np.random.default_rng(0)
    with torch.no_grad():
        pool = pipe.idvae.decode(torch.randn(300, pipe.idvae.config.latent_dim))
    axis = torch.linalg.svd(pool - pool.mean(0), full_matrices=False).Vh[0].double().numpy()
    lightness = 60 + 200 * (pool.double().numpy() @ axis) + rng.normal(0, 1, 300)
    fit_skin_tone(pool.numpy(), lightness, "dlib_resnet_v1").save(tmp_path / "m" / FILE)
    back = ID2FacePipeline.from_pretrained(tmp_path / "m")
    back.set_progress_bar_config(disable=True)
    assert back.skin_tone is not None and back.default_skin_tone == 0.0
    faces = rng.integers(0, 256, (6, s, s, 3), dtype=np.uint8)
    src = pool[:6]
    kw = dict(source_embeddings=src.numpy(), identity_key=[f"k{i}" for i in range(6)], num_inference_steps=1)
    off = back(faces, **kw).identity_embeddings
    on = back(faces, skin_tone=1.0, **kw).identity_embeddings
    tone = back.skin_tone
    gap = (tone.read(torch.from_numpy(on)) - tone.read(src)).abs()
    assert (gap < 0.1).all() and (tone.read(torch.from_numpy(off)) - tone.read(src)).abs().mean() > 0.5
    (tmp_path / "m" / "training.json").write_text(json.dumps({"skin_tone": 1.0}))
    recorded = ID2FacePipeline.from_pretrained(tmp_path / "m")
    recorded.set_progress_bar_config(disable=True)
    assert recorded.default_skin_tone == 1.0
    np.testing.assert_array_equal(on, recorded(faces, **kw).identity_embeddings)
    np.testing.assert_array_equal(off, recorded(faces, skin_tone=0.0, **kw).identity_embeddings)
