import json

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from id2face.model import ID2FacePipeline, build_pipeline
from id2face.model.fake_identity import fake_identities
from id2face.model.identity_attributes import (
    FILE,
    IdentityAttributes,
    attribute_rank,
    fit_identity_attributes,
    load_identity_attributes,
)
from id2face.model.idvae import IDVAE
from id2face.testing.models import tiny_config

D = 16


def people(n=400, seed=0):
    """Unit embeddings whose first axis is gender (> 0 male) and second axis age, plus noise."""
    rng = np.random.default_rng(seed)
    male = rng.random(n) < 0.5
    age = rng.uniform(10, 80, n)
    e = 0.3 * rng.standard_normal((n, D))
    e[:, 0] += np.where(male, 1.0, -1.0)
    e[:, 1] += (age - 45) / 35
    return e / np.linalg.norm(e, axis=1, keepdims=True), male.astype(float), age


def simple_map(age_tolerance=10.0):
    """gender logit = 10 * e0, age = 45 + 35 * e1."""
    gw, aw = np.zeros(D), np.zeros(D)
    gw[0], aw[1] = 10.0, 35.0
    return IdentityAttributes(gw, 0.0, aw, 45.0, "dlib_resnet_v1", age_tolerance)


def unit(*coords):
    v = torch.zeros(D)
    for i, c in enumerate(coords):
        v[i] = c
    v[D - 1] = 1.0  # the rest of the identity: keeps every vector unit-normable and apart from the axes
    return torch.nn.functional.normalize(v, dim=0)


def test_the_fit_reads_gender_and_age_of_people_it_did_not_see():
    e, male, age = people()
    fit = fit_identity_attributes(e[:300], male[:300], age[:300], "dlib_resnet_v1")
    g, a = fit.read(torch.from_numpy(e[300:]))
    assert ((g.numpy() > 0) == (male[300:] > 0.5)).mean() > 0.95
    assert np.median(np.abs(a.numpy() - age[300:])) < 8.0
    unscaled = fit.read(torch.from_numpy(3 * e[300:]))  # a raw (not unit) embedding reads the same
    torch.testing.assert_close(unscaled[0], g)


def test_mismatch_counts_the_other_gender_and_an_age_out_of_tolerance():
    m = simple_map()
    src = torch.stack([unit(0.5, 0.0), unit(0.02, 0.0)])  # a clear man of 45; an unclear face of 45
    cands = torch.stack([unit(0.5, 0.0), unit(-0.5, 0.0), unit(0.5, 0.9), unit(-0.5, 0.9)])
    mismatch = m.mismatch(src, cands[None].expand(2, -1, -1))
    assert mismatch[0].tolist() == [0.0, 2.0, 1.0, 3.0]
    assert mismatch[1].tolist() == [0.0, 0.0, 1.0, 1.0]  # unclear gender: only the age counts
    assert m.mismatch(src, cands[None].expand(2, -1, -1), age=False)[0].tolist() == [0.0, 2.0, 0.0, 2.0]


def test_the_rank_puts_matches_first_and_then_the_least_like_the_source():
    similarity = torch.tensor([[0.1, -0.5, 0.3], [0.2, 0.1, 0.0]])
    assert attribute_rank(similarity, None).tolist() == [1, 2]
    mismatch = torch.tensor([[0.0, 2.0, 0.0], [3.0, 1.0, 3.0]])
    assert attribute_rank(similarity, mismatch).tolist() == [0, 1]


def test_fake_identities_keep_the_source_look_when_asked():
    torch.manual_seed(0)
    idvae = IDVAE(embed_dim=D, latent_dim=4, hidden_dim=32)
    with torch.no_grad():  # read-outs along the two main directions in which this ID-VAE's decodings differ
        pool = idvae.decode(torch.randn(400, 4))
        centred = pool - pool.mean(0)
        axes = torch.linalg.svd(centred, full_matrices=False).Vh[:2].double().numpy()
        spread = (centred.double().numpy() @ axes.T).std(0)
    mean = pool.mean(0).double().numpy()
    gender = (axes[0] / spread[0], float(-(mean @ axes[0]) / spread[0]))
    age = (20 * axes[1] / spread[1], float(45 - 20 * (mean @ axes[1]) / spread[1]))
    m = IdentityAttributes(*gender, *age, "dlib_resnet_v1", 15.0)
    g_pool, _ = m.read(pool)
    src = torch.cat([pool[g_pool > 1.5][:6], pool[g_pool < -1.5][:6]])  # clear faces of both kinds
    keys = [f"k{i}" for i in range(len(src))]
    free = fake_identities(idvae, src, 1.0, keys, None, candidates=16)
    kept = fake_identities(idvae, src, 1.0, keys, None, candidates=16, attributes=m)
    g_src, a_src = m.read(src)
    g_free, _ = m.read(free)
    g, a = m.read(kept)
    assert (torch.sign(g) == torch.sign(g_src)).all()
    assert ((a - a_src).abs() <= 15.0).all()
    assert (torch.sign(g_free) != torch.sign(g_src)).any()  # left free, the least-like pick changes gender
    gender_only = fake_identities(idvae, src, 1.0, keys, None, candidates=16, attributes=m, keep="gender")
    assert (torch.sign(m.read(gender_only)[0]) == torch.sign(g_src)).all()
    left = fake_identities(idvae, src, 1.0, keys, None, candidates=16, attributes=m, keep="free")
    assert torch.equal(free, left)
    per_face = ["gender", "free"] * (len(src) // 2)  # one choice per face: each row as its choice alone gives
    mixed = fake_identities(idvae, src, 1.0, keys, None, candidates=16, attributes=m, keep=per_face)
    for i, k in enumerate(per_face):
        assert torch.equal(mixed[i], (gender_only if k == "gender" else free)[i])
    with pytest.raises(ValueError, match="3 attribute choices for 12 faces"):
        fake_identities(idvae, src, 1.0, keys, None, candidates=16, attributes=m, keep=["keep"] * 3)
    one = fake_identities(idvae, src, 1.0, keys, None, candidates=1, attributes=m)
    assert torch.equal(one, fake_identities(idvae, src, 1.0, keys, None, candidates=1))  # one draw: no choice


def test_save_load_round_trip_and_bad_files(tmp_path):
    m = simple_map(age_tolerance=7.5)
    assert load_identity_attributes(tmp_path) is None  # a model without the map
    m.save(tmp_path / FILE)
    back = load_identity_attributes(tmp_path, "dlib_resnet_v1")
    np.testing.assert_array_equal(back.gender_w, m.gender_w)
    assert (back.gender_b, back.age_b, back.age_tolerance) == (0.0, 45.0, 7.5)
    assert back.recognizer == "dlib_resnet_v1"
    with pytest.raises(ValueError, match="fitted on 'dlib_resnet_v1'.*arcface"):
        load_identity_attributes(tmp_path, "arcface")
    save_file({"gender_w": np.zeros(3, np.float32)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not an id2face identity-attributes map"):
        IdentityAttributes.load(tmp_path / "other.safetensors")
    arrays = {"gender_w": np.zeros(4, np.float32), "gender_b": np.zeros(1, np.float32),
              "age_w": np.zeros(5, np.float32), "age_b": np.zeros(1, np.float32)}
    save_file(arrays, str(tmp_path / "bad.safetensors"), metadata={"format": "id2face-identity-attributes/1"})
    with pytest.raises(ValueError, match="wrong shape"):
        IdentityAttributes.load(tmp_path / "bad.safetensors")


def main_axis_map(idvae: IDVAE, dim: int) -> IdentityAttributes:
    """A gender read-out along the main direction in which `idvae`'s decodings differ (age: constant)."""
    with torch.no_grad():
        z = torch.randn(400, idvae.config.latent_dim, generator=torch.Generator().manual_seed(1))
        pool = idvae.decode(z)
        centred = pool - pool.mean(0)
        axis = torch.linalg.svd(centred, full_matrices=False).Vh[0].double().numpy()
        spread = float((centred.double().numpy() @ axis).std())
    return IdentityAttributes(axis / spread, float(-(pool.mean(0).double().numpy() @ axis) / spread),
                              np.zeros(dim), 45.0, "dlib_resnet_v1")


def test_a_saved_model_with_a_map_loads_it_and_the_call_can_leave_it(tmp_path):
    s = 32
    torch.manual_seed(0)
    pipe = build_pipeline(tiny_config(s))
    pipe.save_pretrained(tmp_path / "m")
    assert ID2FacePipeline.from_pretrained(tmp_path / "m").identity_attributes is None
    main_axis_map(pipe.idvae, 128).save(tmp_path / "m" / FILE)
    back = ID2FacePipeline.from_pretrained(tmp_path / "m")
    back.set_progress_bar_config(disable=True)
    assert back.identity_attributes is not None and back.identity_attributes.recognizer == "dlib_resnet_v1"
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (8, s, s, 3), dtype=np.uint8)
    with torch.no_grad():
        z = torch.randn(8, back.idvae.config.latent_dim, generator=torch.Generator().manual_seed(2))
        src = back.idvae.decode(z)
    keys = [f"k{i}" for i in range(8)]
    kw = dict(source_embeddings=src.numpy(), identity_key=keys, num_inference_steps=1, identity_candidates=8)
    assert back.default_attributes == "free"  # what a model that records no choice does: as before the map
    kept = back(faces, attributes="keep", **kw).identity_embeddings
    free = back(faces, **kw).identity_embeddings
    with pytest.raises(ValueError, match="attributes must be one of keep, gender, free"):
        back(faces, attributes="same", **kw)
    with torch.no_grad():
        want = fake_identities(back.idvae, src, 1.0, keys, None, 8, back.identity_attributes)
        g_src, _ = back.identity_attributes.read(src)
        g, _ = back.identity_attributes.read(torch.from_numpy(kept))
    np.testing.assert_allclose(kept, want.numpy(), rtol=1e-5, atol=1e-6)
    clear = g_src.abs() > 1.0
    assert clear.any() and (torch.sign(g) == torch.sign(g_src))[clear].all()
    assert not np.array_equal(kept, free)
    before = ID2FacePipeline.from_pretrained(tmp_path / "m")
    before.identity_attributes = None
    before.set_progress_bar_config(disable=True)
    np.testing.assert_array_equal(free, before(faces, attributes="keep", **kw).identity_embeddings)
    card = tmp_path / "m" / "training.json"
    card.write_text(json.dumps({"attributes": "keep"}))
    recorded = ID2FacePipeline.from_pretrained(tmp_path / "m")
    recorded.set_progress_bar_config(disable=True)
    assert recorded.default_attributes == "keep"
    np.testing.assert_array_equal(kept, recorded(faces, **kw).identity_embeddings)
    card.write_text(json.dumps({"attributes": "older"}))
    with pytest.raises(ValueError, match="attributes must be one of"):
        ID2FacePipeline.from_pretrained(tmp_path / "m")
