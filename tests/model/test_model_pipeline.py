import json

import numpy as np
import pytest
import torch
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler

from id2face.geometry import ARCFACE, FFHQ
from id2face.identity import DlibRecognizer
from id2face.model import (
    ID2FacePipeline,
    ModelNotFoundError,
    RecognizerMismatchError,
    build_pipeline,
)
from id2face.testing.models import tiny_config

S = 32


@pytest.fixture(scope="module")
def pipe():
    torch.manual_seed(0)
    p = build_pipeline(tiny_config(S))
    p.set_progress_bar_config(disable=True)
    return p


def _inputs(n=2, seed=0):
    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, (n, S, S, 3), dtype=np.uint8)
    masks = np.zeros((n, S, S), np.float32)
    masks[:, 8:26, 9:23] = 1.0
    emb = rng.standard_normal((n, 128)).astype(np.float32)
    lms = rng.uniform(4, S - 4, (n, 478, 2)).astype(np.float32)
    return faces, masks, emb, lms


def _run(pipe, **kw):
    faces, masks, emb, lms = _inputs()
    args = dict(masks=masks, landmarks=lms, source_embeddings=emb, num_inference_steps=1)
    args.update(kw)
    return pipe(faces, **args)


def test_pipeline_shapes_dtype_and_outside_mask_untouched(pipe):
    faces, masks, _, _ = _inputs()
    out = _run(pipe, generator=torch.Generator().manual_seed(0))
    assert out.images.shape == (2, S, S, 3) and out.images.dtype == np.uint8
    assert out.identity_embeddings.shape == (2, 128)
    np.testing.assert_array_equal(out.images[masks == 0], faces[masks == 0])
    assert not np.array_equal(out.images[masks == 1], faces[masks == 1])
    pt = _run(pipe, generator=torch.Generator().manual_seed(0), output_type="pt").images
    assert pt.shape == (2, 3, S, S) and pt.dtype == torch.float32 and 0 <= pt.min() and pt.max() <= 1
    no_extras = pipe(faces, source_embeddings=_inputs()[2], num_inference_steps=1)  # default mask, no mesh
    assert no_extras.images.shape == (2, S, S, 3)


def test_pipeline_determinism_seed_and_key(pipe):
    a = _run(pipe, generator=torch.Generator().manual_seed(3)).images
    b = _run(pipe, generator=torch.Generator().manual_seed(3)).images
    c = _run(pipe, generator=torch.Generator().manual_seed(4)).images
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    k1 = _run(pipe, identity_key=["run:1", "run:2"])
    k2 = _run(pipe, identity_key=["run:1", "run:2"])
    k3 = _run(pipe, identity_key=["run:9", "run:2"])
    assert np.array_equal(k1.images, k2.images)
    np.testing.assert_array_equal(k1.identity_embeddings[1], k3.identity_embeddings[1])
    assert not np.allclose(k1.identity_embeddings[0], k3.identity_embeddings[0])


@pytest.mark.parametrize("sched", [DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler])
def test_pipeline_any_scheduler(pipe, sched):
    old = pipe.scheduler
    pipe.scheduler = sched.from_config(old.config)
    try:
        out = _run(pipe, generator=torch.Generator().manual_seed(0), num_inference_steps=2)
        assert out.images.shape == (2, S, S, 3)
    finally:
        pipe.scheduler = old


def test_ancestral_sampler_is_repeatable_per_key_and_batch_independent(pipe):
    """DDPM draws noise at every step: a key must still fix each face's result, whatever the batch."""
    old = pipe.scheduler
    pipe.scheduler = DDPMScheduler.from_config(old.config)
    try:
        k1 = _run(pipe, identity_key=["run:1", "run:2"], num_inference_steps=3).images
        k2 = _run(pipe, identity_key=["run:1", "run:2"], num_inference_steps=3).images
        k3 = _run(pipe, identity_key=["run:9", "run:2"], num_inference_steps=3).images
    finally:
        pipe.scheduler = old
    assert np.array_equal(k1, k2)
    assert np.array_equal(k1[1], k3[1]) and not np.array_equal(k1[0], k3[0])


def test_wrong_input_size_and_embedding_size_are_refused(pipe):
    faces, _, emb, _ = _inputs()
    with pytest.raises(ValueError, match="aligned_faces must be"):
        pipe(faces[:, :16, :16], source_embeddings=emb)
    with pytest.raises(ValueError, match="source embeddings"):
        pipe(faces, source_embeddings=emb[:, :64])
    with pytest.raises(ValueError, match="trained on 'ffhq'"):
        pipe(faces, source_embeddings=emb, crop_template=ARCFACE)
    assert (
        pipe(faces, source_embeddings=emb, crop_template=FFHQ, num_inference_steps=1).images.shape
        == faces.shape
    )


def test_save_load_round_trip_bitwise(pipe, tmp_path):
    pipe.save_pretrained(tmp_path / "m")
    files = {p.suffix for p in (tmp_path / "m").rglob("*") if p.is_file()}
    assert ".safetensors" in files and not files & {".bin", ".pt", ".pth", ".ckpt", ".pkl"}
    index = json.loads((tmp_path / "m" / "model_index.json").read_text())
    assert index["recognizer_name"] == "dlib_resnet_v1" and index["template_name"] == "ffhq"
    assert index["crop_size"] == S and len(index["template_points"]) == 5
    back = ID2FacePipeline.from_pretrained(tmp_path / "m")
    back.set_progress_bar_config(disable=True)
    for name in ("idvae", "recomposer", "unet", "harmonizer"):
        sa, sb = getattr(pipe, name).state_dict(), getattr(back, name).state_dict()
        assert sa.keys() == sb.keys()
        for k in sa:
            assert torch.equal(sa[k], sb[k]), (name, k)
    a = _run(pipe, generator=torch.Generator().manual_seed(5)).images
    b = _run(back, generator=torch.Generator().manual_seed(5)).images
    assert np.array_equal(a, b)


def test_missing_model_dir_says_what_to_pass(tmp_path):
    with pytest.raises(ModelNotFoundError, match="model-dir"):
        ID2FacePipeline.from_pretrained(tmp_path / "nothing")


class _FakeRecognizer(DlibRecognizer):
    def __init__(self, name="dlib_resnet_v1", dim=128):
        self.name, self.dim = name, dim

    def _embed_own(self, crops):
        return crops.reshape(len(crops), -1)[:, : self.dim].astype(np.float32) + 1.0


def test_recognizer_is_recorded_and_mismatch_refused(tmp_path):
    torch.manual_seed(0)
    p = build_pipeline(tiny_config(S), recognizer=_FakeRecognizer())
    p.set_progress_bar_config(disable=True)
    assert p.config.recognizer_template == "dlib_chip_150_0.25" and p.config.recognizer_input_size == 150
    p.save_pretrained(tmp_path / "m")
    with pytest.raises(RecognizerMismatchError, match="trained with recognizer 'dlib_resnet_v1'"):
        ID2FacePipeline.from_pretrained(
            tmp_path / "m", recognizer=_FakeRecognizer(name="onnx:other", dim=512)
        )
    back = ID2FacePipeline.from_pretrained(tmp_path / "m", recognizer=_FakeRecognizer())
    back.set_progress_bar_config(disable=True)
    out = back(_inputs()[0], num_inference_steps=1, generator=torch.Generator().manual_seed(0))
    assert out.source_embeddings.shape == (2, 128)


def test_onnx_recognizer_model_round_trip(tmp_path):
    pytest.importorskip("onnx")
    from id2face.identity import OnnxRecognizer
    from id2face.testing.models import write_tiny_onnx_recognizer

    onnx_path = write_tiny_onnx_recognizer(tmp_path / "arc.onnx", dim=512)
    torch.manual_seed(0)
    p = build_pipeline(tiny_config(S), recognizer=OnnxRecognizer(onnx_path))
    assert p.idvae.config.embed_dim == 512 and p.config.recognizer_template == "arcface"
    p.save_pretrained(tmp_path / "m")
    back = ID2FacePipeline.from_pretrained(tmp_path / "m", recognizer_onnx=onnx_path)
    back.set_progress_bar_config(disable=True)
    out = back(_inputs()[0], num_inference_steps=1, generator=torch.Generator().manual_seed(0))
    assert out.source_embeddings.shape == (2, 512) and out.identity_embeddings.shape == (2, 512)
    fresh = ID2FacePipeline.from_pretrained(tmp_path / "m")
    with pytest.raises(ValueError, match="ONNX file"):
        fresh(_inputs()[0], num_inference_steps=1)


@torch.no_grad()
def test_compiled_denoiser_keeps_the_harmonizer_and_the_result():
    """torch.compile traces the UNet with its IGLH hooks and step cache (eager backend: fast, no codegen)."""
    torch.manual_seed(0)
    pipe = build_pipeline(tiny_config())
    pipe.set_progress_bar_config(disable=True)
    for p in pipe.harmonizer.parameters():  # gates that matter: a compile without hooks would differ
        torch.nn.init.normal_(p, std=0.2)
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    emb = rng.normal(size=(2, 128)).astype(np.float32)

    def run():
        return pipe(
            crops, source_embeddings=emb, identity_key="k", num_inference_steps=3, output_type="pt"
        ).images

    ref = run()
    pipe.harmonizer.detach()
    plain = run()
    pipe.harmonizer.attach(pipe.unet)
    assert not torch.allclose(plain, ref)
    pipe.compile_denoiser(backend="eager")
    torch.testing.assert_close(run(), ref)


def test_saved_weights_carry_checksums_and_a_changed_file_is_refused(tmp_path):
    from id2face.model.integrity import SUMS, ModelIntegrityError

    d = tmp_path / "m"
    build_pipeline(tiny_config(S)).save_pretrained(d)
    sums = (d / SUMS).read_text().splitlines()
    assert len(sums) == 4 and all(line.split("  ")[1].endswith(".safetensors") for line in sums)
    ID2FacePipeline.from_pretrained(d)  # intact: loads
    weights = d / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # one flipped byte in the last tensor
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="unet/diffusion_pytorch_model.safetensors \\(changed\\)"):
        ID2FacePipeline.from_pretrained(d)
    (d / SUMS).unlink()  # models saved before checksums existed still load
    ID2FacePipeline.from_pretrained(d)


def test_bundled_model_matches_its_checksums():
    from id2face.methods.registry import default_model_dir
    from id2face.model.integrity import verify_checksums

    assert verify_checksums(default_model_dir())


def test_default_steps_come_from_the_model(tmp_path, pipe):
    from id2face.methods.registry import default_model_dir
    from id2face.model.config import DEFAULT_STEPS, recorded_steps

    assert recorded_steps(default_model_dir()) == 8  # the bundled model's training.json
    from id2face.model.config import recorded_guidance, recorded_guidance_start, recorded_identity_candidates

    bundled = default_model_dir()  # its sampling settings, chosen by the held-out evaluation (model card)
    assert recorded_guidance(bundled) == 3.0 and recorded_guidance_start(bundled) == 0.25
    assert recorded_identity_candidates(bundled) == 8
    from id2face.model.config import recorded_mask_dilate

    assert recorded_mask_dilate(bundled) == 0.12  # v0.3 fills a wider region (model card, "Replaced region")
    assert recorded_steps(tmp_path) == DEFAULT_STEPS == pipe.default_steps  # nothing recorded
    from id2face.model.config import recorded_mask_dilate

    assert recorded_mask_dilate(tmp_path) is None and pipe.default_mask_dilate is None
    (tmp_path / "training.json").write_text('{"mask_dilate": 0.1}')
    assert recorded_mask_dilate(tmp_path) == 0.1


def test_identity_guidance(pipe, tmp_path):
    """Guidance 1 is plain sampling; 0 is the identity-free pass alone (no trace of the fake identity);
    anything else mixes the two and changes the face."""
    from id2face.model.config import DEFAULT_GUIDANCE, recorded_guidance

    def gen():
        return torch.Generator().manual_seed(5)

    plain = _run(pipe, generator=gen(), num_inference_steps=2).images
    np.testing.assert_array_equal(plain, _run(pipe, generator=gen(), num_inference_steps=2,
                                              guidance_scale=1.0).images)
    guided = _run(pipe, generator=gen(), num_inference_steps=2, guidance_scale=3.0).images
    assert not np.array_equal(plain, guided)
    # guidance 0: what the context alone suggests; the fake identity (strength, key) changes nothing
    free_a = _run(pipe, generator=gen(), num_inference_steps=2, guidance_scale=0.0, strength=1.0)
    free_b = _run(pipe, generator=gen(), num_inference_steps=2, guidance_scale=0.0, strength=0.0)
    assert not np.allclose(free_a.identity_embeddings, free_b.identity_embeddings)
    np.testing.assert_array_equal(free_a.images, free_b.images)
    with pytest.raises(ValueError, match="guidance_scale"):
        _run(pipe, guidance_scale=-1.0)
    # guidance_start: the noisiest share of the steps runs unguided (all of them at 1: plain sampling)
    late = _run(pipe, generator=gen(), num_inference_steps=2, guidance_scale=3.0, guidance_start=1.0).images
    np.testing.assert_array_equal(late, plain)
    half = _run(pipe, generator=gen(), num_inference_steps=2, guidance_scale=3.0, guidance_start=0.5).images
    assert not np.array_equal(half, plain) and not np.array_equal(half, guided)
    with pytest.raises(ValueError, match="guidance_start"):
        _run(pipe, guidance_scale=2.0, guidance_start=1.5)
    # the default comes from the model's training.json, like its steps
    assert recorded_guidance(tmp_path) == DEFAULT_GUIDANCE == pipe.default_guidance == 1.0
    (tmp_path / "training.json").write_text(json.dumps({"guidance_scale": 2.5}))
    assert recorded_guidance(tmp_path) == 2.5


def test_identity_candidates_keep_the_draw_least_like_the_source(pipe):
    from id2face.model.oim import sample_identity_latents

    faces, masks, emb, lms = _inputs()
    keys = ["run:1", "run:2"]
    args = dict(masks=masks, landmarks=lms, source_embeddings=emb, num_inference_steps=1, identity_key=keys)
    one = pipe(faces, **args, identity_candidates=1)
    six = pipe(faces, **args, identity_candidates=6)
    src = torch.nn.functional.normalize(torch.from_numpy(emb), dim=-1)
    with torch.no_grad():
        mu, _ = pipe.idvae.encode(torch.from_numpy(emb))
        drawn = pipe.idvae.decode(sample_identity_latents(keys, mu, 1.0, candidates=6))  # (2, 6, D)
    cos = (drawn * src[:, None]).sum(-1)
    best = drawn[torch.arange(2), cos.argmin(1)].numpy()
    np.testing.assert_allclose(six.identity_embeddings, best, atol=1e-6)
    np.testing.assert_allclose(one.identity_embeddings, drawn[:, 0].numpy(), atol=1e-6)
    assert (cos.min(1).values <= cos[:, 0]).all() and (cos.min(1).values < cos[:, 0]).any()
    # without keys: the generator draws the candidates (repeatable)
    g = [pipe(faces, masks=masks, source_embeddings=emb, num_inference_steps=1, identity_candidates=3,
              generator=torch.Generator().manual_seed(1)).identity_embeddings for _ in range(2)]
    np.testing.assert_array_equal(g[0], g[1])
    with pytest.raises(ValueError, match="identity_candidates"):
        pipe(faces, **args, identity_candidates=0)
