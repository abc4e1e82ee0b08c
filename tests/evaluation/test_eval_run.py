"""End to end: `id2face eval` on the sample photo and generated data, rerun reuse, faceres."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from id2face.evaluation.config import EvalConfig, Variant
from id2face.identity.faceres import find_faceres
from id2face.io.images import save_image
from id2face.testing.datasets import write_synthetic_dataset

DATA = Path(__file__).parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    import skimage.data

    d = tmp_path_factory.mktemp("photos")
    img = skimage.data.astronaut()
    save_image(img, d / "astronaut.png")
    save_image(np.ascontiguousarray(img[:, ::-1]), d / "sub" / "mirrored.png")
    save_image(np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8), d / "noface.png")
    return d


@pytest.fixture(scope="module")
def evaluated(photos, tmp_path_factory):
    from id2face.cli.main import main

    out = tmp_path_factory.mktemp("report")
    training = write_synthetic_dataset(tmp_path_factory.mktemp("train") / "ds", identities=3, per_identity=2)
    rc = main(
        [
            "eval",
            "--data",
            str(photos),
            "-o",
            str(out),
            "--methods",
            "blur,mask",
            "--recognizers",
            "dlib",
            "--no-fid",
            "--seeds",
            "2",
            "--training-data",
            str(training),
        ]
    )
    assert rc == 0
    return out


def test_report_files_and_known_answers(evaluated):
    for name in ("report.json", "report.md", "report.html", "grid.png", "reid_vs_pose.png"):
        assert (evaluated / name).is_file(), name
    rep = json.loads((evaluated / "report.json").read_text())
    assert rep["photos"] == 3 and rep["faces"] == 2
    assert rep["versions"]["numpy"]
    ref = rep["methods"]["none"]
    assert ref["identity"]["dlib"]["reid_rate"] == 1.0  # untouched photos: re-identified 100 %
    assert ref["utility"]["pose_error_deg"] == pytest.approx(0.0, abs=1e-6)
    assert ref["utility"]["psnr_outside_db"] == 100.0 and ref["utility"]["ssim_outside"] == pytest.approx(1.0)
    for m in ("blur", "mask"):
        ident = rep["methods"][m]["identity"]["dlib"]
        assert ident["reid_rate"] <= 0.5
        assert rep["methods"][m]["utility"]["ssim_outside"] > 0.95  # the rest of the photo is kept
    assert "dlib re-id" in (evaluated / "report.md").read_text()
    import csv

    hits = list(csv.DictReader(open(evaluated / "hits.csv")))  # each face a recognizer still re-identifies
    for m in ("blur", "mask"):  # one seed each (not stochastic): as many rows as the rate says
        rate = rep["methods"][m]["identity"]["dlib"]["reid_rate"]
        assert sum(h["variant"] == m for h in hits) == round(rate * rep["faces"])
    assert not any(h["variant"] == "none" for h in hits)  # the untouched photos are left out
    misses = list(csv.DictReader(open(evaluated / "misses.csv")))  # each face no longer detected
    for m in ("blur", "mask"):
        rate = rep["methods"][m]["utility"]["faces_detected"]
        assert sum(x["variant"] == m for x in misses) == round((1 - rate) * rep["faces"])
    # --training-data: a gallery of the training identities is built (and cached) and each method reports
    # how often its faces land nearer one of them (blurred/masked faces are rarely detected: faces may be 0)
    with np.load(evaluated / "cache" / "training_centroids.npz") as z:
        assert z["centroids"].shape[0] == 3
    for m in ("blur", "mask"):
        assert "faces" in rep["methods"][m]["training_identity"]


def test_rerun_reuses_finished_work(evaluated, photos):
    from id2face.cli.main import main

    cached = sorted((evaluated / "cache").rglob("*.npz"))
    before = {p: p.stat().st_mtime_ns for p in cached}
    assert main(["eval", "--data", str(photos), "-o", str(evaluated), "--methods", "blur,mask",
                 "--recognizers", "dlib", "--no-fid", "--seeds", "2"]) == 0
    assert {p: p.stat().st_mtime_ns for p in cached} == before


def test_missing_model_skips_id2face_with_reason(photos, tmp_path):
    from id2face.evaluation.evaluate import evaluate

    cfg = EvalConfig(data=str(photos), output=str(tmp_path), methods=["id2face", "blur"], recognizers=[],
                     fid=False, model=str(tmp_path / "no_model"), max_images=1)
    rep = evaluate(cfg, recognizers=[])
    assert "id2face" in rep["skipped"] and "blur" in rep["methods"]


def test_variant_parse():
    v = Variant.parse("id2face@strength=0")
    assert v.method == "id2face" and v.options == (("strength", 0.0),) and v.label == "id2face@strength=0"
    assert Variant.parse("id2face@guidance=2").options == (("guidance", 2.0),)
    assert Variant.parse("id2face@candidates=8,gstart=0.5").options == (("candidates", 8.0), ("gstart", 0.5))
    assert Variant.parse("id2face@blend=region").options == (("blend", "region"),)
    assert Variant.parse("id2face@faces=points").options == (("faces", "points"),)
    with pytest.raises(ValueError):
        Variant.parse("id2face@colour=1")
    with pytest.raises(ValueError, match="faces must be one of"):
        Variant.parse("id2face@faces=none")


def test_variant_options_reach_the_anonymizer():
    from id2face.evaluation.runner import anonymizer_options
    from id2face.face.config import MaskConfig

    spec = "id2face@blend=face,candidates=8,dilate=0.08,gstart=0.5,guidance=2,shape=1,spread=1.25"
    opts = dict(Variant.parse(spec).options)
    assert anonymizer_options(opts) == {"mask": MaskConfig(blend="face", dilate=0.08), "face_shape": 1.0,
                                        "face_shape_spread": 1.25,
                                        "identity_candidates": 8, "guidance_start": 0.5, "guidance": 2.0}
    assert anonymizer_options({}) == {}
    hair = dict(Variant.parse("id2face@hair=1").options)
    assert anonymizer_options(hair) == {"mask": MaskConfig(hair=True)}
    with pytest.raises(ValueError, match="blend"):
        anonymizer_options({"blend": "edge"})


def test_cli_variant_list_keeps_multi_option_variants_whole():
    from id2face.cli.eval import _variants

    got = _variants("id2face@steps=12,id2face@sampler=ddim,steps=8, blur@strength=1")
    assert got == ["id2face@steps=12", "id2face@sampler=ddim,steps=8", "blur@strength=1"]
    assert Variant.parse(got[1]).options == (("sampler", "ddim"), ("steps", 8.0))
    assert _variants("none") == [] and _variants(None) is None


def test_yaml_config_and_overrides(tmp_path):
    p = tmp_path / "e.yaml"
    p.write_text("methods: [blur]\nseeds: 3\n")
    cfg = EvalConfig.from_yaml(p, seeds=2, data="x")
    assert cfg.methods == ["blur"] and cfg.seeds == 2 and cfg.data == "x"
    p.write_text("colour: 1\n")
    with pytest.raises(ValueError, match="unknown"):
        EvalConfig.from_yaml(p)
    for f in Path(__file__).parents[2].joinpath("configs", "eval").glob("*.yaml"):
        shipped = EvalConfig.from_yaml(f)
        for spec in shipped.ablations:  # every variant of a shipped experiment parses
            assert Variant.parse(spec).method in shipped.methods, (f.name, spec)


def _faceres_or_skip():
    d = find_faceres()
    if d is None:
        pytest.skip(f"faceres weights absent (run `id2face fetch-faceres` or set {'ID2FACE_FACERES_DIR'})")
    return d


def test_faceres_on_sample_photo():
    import skimage.data

    from id2face.identity.faceres import FaceResRecognizer

    _faceres_or_skip()
    rec = FaceResRecognizer()
    img = skimage.data.astronaut()
    box = np.array([[165, 40, 255, 150]])  # the astronaut's face
    e = rec.embed(img, box)
    e2 = rec.embed(np.ascontiguousarray(img[:, ::-1]), np.array([[512 - 255, 40, 512 - 165, 150]]))
    other = rec.embed(img, np.array([[300, 300, 420, 420]]))  # not a face
    cos = lambda a, b: float((a * b).sum() / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    assert e.shape == (1, 1024)
    assert cos(e[0], e2[0]) > cos(e[0], other[0])


@pytest.mark.shared_data
@pytest.mark.slow
def test_faceres_lfw_pairs_auc():
    """The held-out recognizer must separate people: pair AUC >= 0.98 on LFW.

    ID2FACE_LFW_PAIRS=N runs N same + N different pairs (default 40)."""
    from PIL import Image

    from id2face.evaluation.lfw import benchmark_pairs, make_pairs
    from id2face.face.config import DetectorConfig
    from id2face.face.detect import FaceDetector
    from id2face.identity.verify import FaceResVerifier

    _faceres_or_skip()
    if not (DATA / "lfw").is_dir():
        pytest.skip("../shared/data/lfw is absent")
    n = int(os.environ.get("ID2FACE_LFW_PAIRS", "40"))  # 40 + 40 pairs: ~15 s on 2 idle cores
    res = benchmark_pairs(
        [FaceResVerifier()],
        make_pairs(DATA / "lfw", n, seed=1),
        FaceDetector(DetectorConfig(mesh=False, threshold=0.3)).detect,
        lambda p: np.asarray(Image.open(p).convert("RGB")),
    )
    assert res["faceres"]["pairs_used"] >= 0.7 * 2 * n
    assert res["faceres"]["auc"] >= 0.98


def test_a_finished_variant_releases_its_anonymizer(photos, tmp_path, detector, astronaut):
    from id2face.evaluation.runner import EvalRunner

    runner = EvalRunner(EvalConfig(data=str(photos), output=str(tmp_path), methods=["blur"]), [], detector)
    v = Variant.parse("blur")
    anon = runner._anonymizer(v)
    runner.release(v)
    with pytest.raises(RuntimeError, match="closed"):
        anon.anonymize(astronaut)
    assert runner._anonymizer(v) is not anon  # a later run gets a fresh one
    runner.close()
    assert len(detector.detect(astronaut)) == 1  # a detector the runner was given stays open


def test_a_points_variant_gives_every_face_to_the_method_without_its_mesh(photos, tmp_path, detector):
    from id2face.evaluation.runner import EvalRunner

    runner = EvalRunner(EvalConfig(data=str(photos), output=str(tmp_path), methods=["blur"], max_images=1),
                        [], detector)
    originals = runner.originals()
    assert originals[0].has_mesh.all()
    meshed = runner.run(Variant.parse("blur"), 0, originals)
    points = runner.run(Variant.parse("blur@faces=points"), 0, originals)
    assert meshed[0].fallbacks == 0 and points[0].fallbacks == len(originals[0].boxes) == 1
    assert runner.original_faces(runner.photos[0])[0].mesh is not None  # the detected faces keep theirs
    runner.close()


def test_a_changed_model_is_not_read_from_the_cache(photos, tmp_path, detector):
    from id2face.evaluation.runner import EvalRunner

    model = tmp_path / "model"
    model.mkdir()
    (model / "SHA256SUMS").write_text("0" * 64 + "  unet/diffusion_pytorch_model.safetensors\n")
    cfg = EvalConfig(data=str(photos), output=str(tmp_path / "out"), methods=["id2face", "blur"],
                     model=str(model))
    runner = EvalRunner(cfg, [], detector)
    before = runner.run_meta(Variant.parse("id2face"), 0), runner.run_meta(Variant.parse("blur"), 0)
    (model / "SHA256SUMS").write_text("1" * 64 + "  unet/diffusion_pytorch_model.safetensors\n")
    after = runner.run_meta(Variant.parse("id2face"), 0), runner.run_meta(Variant.parse("blur"), 0)
    assert before[0] != after[0] and before[1] == after[1] and "model_sums" not in after[1]
    runner.close()


def test_a_changed_mask_default_is_not_read_from_the_cache(photos, tmp_path, detector, monkeypatch):
    """The record holds every mask setting, defaults too: runs cached before a default changed are made again,
    and a record read back from meta.json equals a fresh one (so an unchanged run is read from the cache)."""
    import id2face.evaluation.runner as runner_module
    from id2face.evaluation.runner import EvalRunner
    from id2face.face.config import MaskConfig

    cfg = EvalConfig(data=str(photos), output=str(tmp_path / "out"), methods=["blur"])
    runner = EvalRunner(cfg, [], detector)
    before = runner.run_meta(Variant.parse("blur"), 0)
    assert json.loads(json.dumps(before)) == before and before["mask"]["blend"] == "person"
    assert runner.run_meta(Variant.parse("blur@blend=face"), 0)["mask"]["blend"] == "face"

    class OldDefault(MaskConfig):
        def __init__(self, **kw):
            super().__init__(**{"blend": "region", **kw})

    monkeypatch.setattr(runner_module, "MaskConfig", OldDefault)
    assert runner.run_meta(Variant.parse("blur"), 0) != before
    runner.close()


def test_originals_keep_the_front_ends_doubt_and_runs_made_on_other_faces_are_made_again(photos, tmp_path,
                                                                                         detector):
    """Each original face records whether the front-end was unsure of it; a cached run whose faces are not the
    originals' (found by an older front-end) is made again, not read back misaligned."""
    from id2face.evaluation.runner import EvalRunner

    cfg = EvalConfig(data=str(photos), output=str(tmp_path / "out"), methods=["blur"])
    runner = EvalRunner(cfg, [], detector)
    originals = runner.originals()
    assert all(o.unsure is not None and len(o.unsure) == len(o.boxes) for o in originals)
    blur = Variant.parse("blur")
    runner.run(blur, 0, originals)
    files = sorted(runner.run_dir(blur, 0).glob("*.npz"))
    made = {f.name: f.stat().st_mtime_ns for f in files}
    k = next(i for i, o in enumerate(originals) if len(o.boxes))
    originals[k].boxes = originals[k].boxes + 4.0  # as if another front-end had found them
    again = runner.run(blur, 0, originals)
    np.testing.assert_allclose(again[k].boxes, originals[k].boxes)
    remade = {f.name for f in files if f.stat().st_mtime_ns != made[f.name]}
    assert len(remade) == 1  # that photo's run only; the others are read back
    runner.close()
