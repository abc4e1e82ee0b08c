import numpy as np
import pytest
import torch

from id2face.face.types import Face
from id2face.identity import DlibRecognizer
from id2face.methods.base import FaceMethod
from id2face.methods.diffusion import ID2FaceMethod
from id2face.model import ModelNotFoundError, build_pipeline
from id2face.testing.models import tiny_config

S = 32


class _Rec(DlibRecognizer):
    """dlib's name and template with a cheap deterministic 'network' (no trained weights needed)."""

    def __init__(self):
        pass

    def _embed_own(self, crops):
        return crops.reshape(len(crops), -1)[:, : self.dim].astype(np.float32) + 1.0


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("id2face") / "model"
    build_pipeline(tiny_config(S), recognizer=_Rec()).save_pretrained(d)
    return d


def _faces(n, tracks):
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (n, S, S, 3), dtype=np.uint8)
    masks = np.zeros((n, S, S), np.float32)
    masks[:, 8:26, 8:24] = 1
    faces = []
    for i in range(n):
        f = Face(box=np.zeros(4), score=1.0, keypoints5=np.zeros((5, 2)), track_id=tracks[i])
        f.crop_landmarks = rng.uniform(0, S, (478, 2)) if i % 2 == 0 else None
        faces.append(f)
    return crops, masks, faces


def test_method_protocol_and_output(model_dir):
    m = ID2FaceMethod.from_pretrained(model_dir, steps=2, recognizer=_Rec())
    assert isinstance(m, FaceMethod)
    assert m.name == "id2face" and m.color_match and m.crop_size == S and m.template.name == "ffhq"
    crops, masks, faces = _faces(3, [None, None, None])
    out = m(crops, masks, faces, seed=7)
    assert out.shape == crops.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[masks == 0], crops[masks == 0])
    assert np.array_equal(out, m(crops, masks, faces, seed=7))
    assert not np.array_equal(out, m(crops, masks, faces, seed=8))
    assert m(crops[:0], masks[:0], [], seed=1).shape == (0, S, S, 3)


def test_track_keeps_its_identity_key(model_dir):
    m = ID2FaceMethod.from_pretrained(model_dir, steps=1, recognizer=_Rec())
    _, _, faces = _faces(3, [4, None, 4])
    keys = m.identity_keys(faces, 11)
    assert keys[0] == keys[2] == "11:4" and keys[1] == "11:photo:face1"
    crops, masks, faces = _faces(2, [5, 5])
    crops[1] = crops[0]
    faces[1].crop_landmarks = faces[0].crop_landmarks
    out = m(crops, masks, faces, seed=3)
    assert np.array_equal(out[0], out[1])  # same track, same face -> same fake face


def test_missing_model_dir(tmp_path):
    with pytest.raises(ModelNotFoundError):
        ID2FaceMethod.from_pretrained(tmp_path / "none")


def test_runtime_options_sampler_dtype_and_batch(model_dir):
    from id2face.methods.diffusion import DiffusionOptions

    crops, masks, faces = _faces(3, [None, None, None])
    ref = ID2FaceMethod.from_pretrained(model_dir, steps=2, recognizer=_Rec())
    m = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2, sampler="ddpm", dtype="bfloat16",
                                                                  batch_size=2), recognizer=_Rec())
    assert type(m.pipe.scheduler).__name__ == "DDPMScheduler" and m.pipe.scheduler.config.clip_sample
    assert m.pipe.unet.dtype == torch.bfloat16 and m.pipe.idvae.dtype == torch.float32
    out = m(crops, masks, faces, seed=7)  # 3 faces in batches of 2 and 1
    assert out.shape == crops.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[masks == 0], crops[masks == 0])
    assert not np.array_equal(out, ref(crops, masks, faces, seed=7))
    # the batch a face is sampled in does not change it (keyed noise, per-face step generators)
    one = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2, sampler="ddpm", batch_size=1),
                                        recognizer=_Rec())
    three = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2, sampler="ddpm", batch_size=3),
                                          recognizer=_Rec())
    a, b = one(crops, masks, faces, seed=7).astype(int), three(crops, masks, faces, seed=7).astype(int)
    assert np.abs(a - b).max() <= 1 and (a != b).mean() < 0.01  # float rounding of batched convolutions only
    with pytest.raises(ValueError, match="dtype"):
        DiffusionOptions(dtype="int8").torch_dtype()
    with pytest.raises(ValueError, match="unknown sampler"):
        ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(sampler="heun"), recognizer=_Rec())


def test_missing_gpu_is_a_clear_error(model_dir):
    from id2face.methods.diffusion import DiffusionOptions

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="no CUDA device.*--device cpu"):
        ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(device="cuda"), recognizer=_Rec())


def test_a_track_keeps_one_source_identity_and_embeds_only_its_first_frames(model_dir):
    from id2face.methods.diffusion import DiffusionOptions

    calls = []

    class Counting(_Rec):
        def _embed_own(self, crops):
            calls.append(len(crops))
            return super()._embed_own(crops)

    m = ID2FaceMethod.from_pretrained(
        model_dir, DiffusionOptions(steps=1, track_frames=2), recognizer=Counting()
    )
    crops, masks, faces = _faces(2, [7, None])
    first, _ = m.source_embeddings(crops, faces)
    frame2 = crops.copy()
    frame2[0] = 255 - frame2[0]  # the tracked face looks different in the next frame
    second, _ = m.source_embeddings(frame2, faces)
    assert calls == [2, 2]
    raw2 = _unit(_Rec(), frame2[0])
    assert not np.allclose(raw2, first[0])
    mean = first[0] + raw2
    np.testing.assert_allclose(second[0], mean / np.linalg.norm(mean), rtol=1e-5)  # the mean of its frames
    third, _ = m.source_embeddings(crops, faces)
    assert calls == [2, 2, 1]  # after two frames the track is no longer embedded; the untracked face is
    np.testing.assert_array_equal(third[0], second[0])
    np.testing.assert_array_equal(third[1], first[1])
    m.new_sequence()  # a new video: track 7 is somebody else now
    np.testing.assert_allclose(m.source_embeddings(frame2, faces)[0][0], raw2, rtol=1e-5)


def _unit(rec, crop):
    from id2face.geometry import FFHQ

    return rec.embed(crop[None], FFHQ, S)[0]


def test_consistent_gives_one_fake_identity_per_person_across_photos(model_dir):
    """--consistent: the same person (in any position, in any photo) gets one key and one face."""
    from id2face.methods.diffusion import DiffusionOptions

    m = ID2FaceMethod.from_pretrained(
        model_dir, DiffusionOptions(steps=2, consistent=True), recognizer=_Rec()
    )
    crops, masks, faces = _faces(3, [None, None, None])
    for i, f in enumerate(faces):
        f.face_index = i
        f.crop_landmarks = None
    crops[2] = crops[0]  # photo 1: A, B, A again (the same person twice)
    first = m(crops, masks, faces, seed=5)
    np.testing.assert_array_equal(first[0], first[2])
    assert not np.array_equal(first[0], first[1])
    swapped = m(crops[[1, 0]], masks[[1, 0]], faces[:2], seed=5)  # photo 2: B first, then A
    np.testing.assert_array_equal(swapped[0], first[1])
    np.testing.assert_array_equal(swapped[1], first[0])
    plain = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2), recognizer=_Rec())
    other = plain(crops[[1, 0]], masks[[1, 0]], faces[:2], seed=5)
    assert not np.array_equal(other[1], first[0])  # without it, keys follow the face's place
    _, persons = m.source_embeddings(crops, faces)
    assert persons == [0, 1, 0]


def test_guidance_and_candidates_reach_the_pipeline_and_default_to_the_model_record(model_dir, tmp_path):
    import json
    import shutil

    from id2face.methods.diffusion import DiffusionOptions

    crops, masks, faces = _faces(2, [None, None])
    plain = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2), recognizer=_Rec())
    assert plain.guidance == 1.0  # nothing recorded: off
    guided = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2, guidance=3.0),
                                           recognizer=_Rec())
    assert not np.array_equal(plain(crops, masks, faces, seed=2), guided(crops, masks, faces, seed=2))
    recorded = tmp_path / "model"
    shutil.copytree(model_dir, recorded)
    (recorded / "training.json").write_text(json.dumps({"guidance_scale": 3.0, "identity_candidates": 4}))
    own = ID2FaceMethod.from_pretrained(recorded, DiffusionOptions(steps=2), recognizer=_Rec())
    assert own.guidance == 3.0 and own.identity_candidates == 4 and plain.identity_candidates == 1
    four_opts = DiffusionOptions(steps=2, guidance=3.0, identity_candidates=4)
    four = ID2FaceMethod.from_pretrained(model_dir, four_opts, recognizer=_Rec())
    np.testing.assert_array_equal(own(crops, masks, faces, seed=2), four(crops, masks, faces, seed=2))
    assert not np.array_equal(four(crops, masks, faces, seed=2), guided(crops, masks, faces, seed=2))
    with pytest.raises(ValueError, match="identity_candidates"):
        ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(identity_candidates=0), recognizer=_Rec())
    with pytest.raises(ValueError, match="guidance"):
        ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(guidance=-2.0), recognizer=_Rec())


def test_the_replaced_region_grows_as_the_model_records_unless_the_caller_chose(model_dir, tmp_path):
    import json
    import shutil

    from id2face.face.config import DEFAULT_DILATE, MaskConfig
    from id2face.face.mask import hard_mask
    from id2face.geometry import FFHQ
    from id2face.methods.base import mask_settings
    from id2face.methods.diffusion import DiffusionOptions

    plain = ID2FaceMethod.from_pretrained(model_dir, DiffusionOptions(steps=2), recognizer=_Rec())
    assert mask_settings(plain, MaskConfig()).grow == DEFAULT_DILATE  # nothing recorded: the front-end's
    recorded = tmp_path / "model"
    shutil.copytree(model_dir, recorded)
    (recorded / "training.json").write_text(json.dumps({"mask_dilate": 0.12}))
    wide = ID2FaceMethod.from_pretrained(recorded, DiffusionOptions(steps=2), recognizer=_Rec())
    settings = mask_settings(wide, MaskConfig(blend="face"))
    assert settings.dilate == 0.12 and settings.blend == "face"  # the rest of the caller's settings stay
    assert mask_settings(wide, MaskConfig(dilate=0.02)).dilate == 0.02  # a chosen width wins
    face = Face(box=np.array([20.0, 20.0, 80.0, 90.0]), score=1.0,
                keypoints5=np.array([[38, 45], [62, 45], [50, 58], [41, 72], [59, 72]], np.float64))
    area = {g: hard_mask(face, 128, FFHQ, mask_settings(m, MaskConfig())).sum() for g, m in
            (("plain", plain), ("wide", wide))}
    assert area["wide"] > area["plain"] * 1.2


def test_the_skin_tone_gain_reaches_the_pipeline_and_defaults_to_the_model_record(model_dir, tmp_path,
                                                                                   monkeypatch):
    import json
    import shutil

    import id2face.model.pipeline as pipeline_module
    from id2face.methods.diffusion import DiffusionOptions
    from id2face.model.skin_tone import FILE, fit_skin_tone

    toned = tmp_path / "model"
    shutil.copytree(model_dir, toned)
    rng = np.random.default_rng(3)
    fit_skin_tone(rng.normal(size=(200, 128)), rng.uniform(30, 80, 200), "dlib_resnet_v1").save(toned / FILE)
    made = []  # (the map, the gain) each pipeline call hands to fake_identities, and what it made

    def spy(*args, **kwargs):
        made.append((args[-2], args[-1], pipeline_module_fake(*args, **kwargs)))
        return made[-1][2]

    pipeline_module_fake = pipeline_module.fake_identities
    monkeypatch.setattr(pipeline_module, "fake_identities", spy)
    crops, masks, faces = _faces(2, [None, None])
    plain = ID2FaceMethod.from_pretrained(toned, DiffusionOptions(steps=1), recognizer=_Rec())
    assert plain.skin_tone is None and plain.pipe.skin_tone is not None
    assert plain.pipe.default_skin_tone == 0.0
    plain(crops, masks, faces, seed=2)
    asked = ID2FaceMethod.from_pretrained(toned, DiffusionOptions(steps=1, skin_tone=3.0), recognizer=_Rec())
    asked(crops, masks, faces, seed=2)
    (toned / "training.json").write_text(json.dumps({"skin_tone": 3.0}))
    own = ID2FaceMethod.from_pretrained(toned, DiffusionOptions(steps=1), recognizer=_Rec())
    own(crops, masks, faces, seed=2)
    assert [gain for _, gain, _ in made] == [0.0, 3.0, 3.0] and all(tone is not None for tone, _, _ in made)
    assert not torch.equal(made[0][2], made[1][2]) and torch.equal(made[1][2], made[2][2])
    with pytest.raises(ValueError, match="skin_tone must be in"):
        ID2FaceMethod.from_pretrained(toned, DiffusionOptions(skin_tone=-1.0), recognizer=_Rec())
