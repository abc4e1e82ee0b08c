import csv
from pathlib import Path

import numpy as np
import pytest

from id2face.geometry import ARCFACE, FFHQ
from id2face.identity import DlibRecognizer, OnnxRecognizer, load_recognizer
from id2face.identity.derive_dlib_template import dlib_ffhq_crop
from id2face.testing.models import write_tiny_onnx_recognizer

DATA = Path(__file__).parents[2] / ".." / "shared" / "data" / "celeba-wild"


def _tiny_onnx(path: Path, dim: int = 512) -> Path:
    pytest.importorskip("onnx")
    return write_tiny_onnx_recognizer(path, dim)


def test_onnx_recognizer_shapes_norm_and_rewarp(tmp_path):
    rec = OnnxRecognizer(_tiny_onnx(tmp_path / "tiny.onnx"))
    assert rec.name == "onnx:tiny" and rec.dim == 512 and rec.input_size == 112 and rec.template == ARCFACE
    rng = np.random.default_rng(1)
    crops = rng.integers(0, 256, (3, 128, 128, 3), dtype=np.uint8)
    e = rec.embed(crops, FFHQ, 128)
    assert e.shape == (3, 512) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(e, rec.embed(crops, FFHQ, 128))
    # Crops already in ArcFace 112 layout pass through the warp unchanged (identity transform).
    own = crops[:, :112, :112]
    np.testing.assert_allclose(
        rec.embed(own, ARCFACE, 112), rec.embed(rec.warp(own, ARCFACE, 112), ARCFACE, 112)
    )
    assert not np.allclose(rec.embed(own, ARCFACE, 112), rec.embed(own, FFHQ, 112))
    assert rec.embed(crops[:0], FFHQ, 128).shape == (0, 512)
    with pytest.raises(ValueError):
        rec.embed(crops, FFHQ, 64)
    assert load_recognizer("onnx", tmp_path / "tiny.onnx").describe()["recognizer_template"] == "arcface"


def test_missing_onnx_and_unknown_name_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="recognizer-onnx"):
        OnnxRecognizer(tmp_path / "nope.onnx")
    with pytest.raises(ValueError, match="ONNX"):
        load_recognizer("arcface_r100")


def test_dlib_recognizer_on_noise_is_unit_norm():
    rec = DlibRecognizer()
    crops = np.random.default_rng(0).integers(0, 256, (2, 96, 96, 3), dtype=np.uint8)
    e = rec.embed(crops, FFHQ, 96)
    assert e.shape == (2, 128)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)


def _aligned_celeba(n_ids: int = 3, per_id: int = 2, size: int = 192) -> list[tuple[str, np.ndarray]]:
    import cv2
    import dlib
    import face_recognition_models as frm

    det = dlib.get_frontal_face_detector()
    sp68 = dlib.shape_predictor(frm.pose_predictor_model_location())
    rows = list(csv.DictReader(open(DATA / "identities.csv")))
    by_id: dict[str, list[str]] = {}
    for r in rows:
        by_id.setdefault(r["identity"], []).append(r["file"])
    out: list[tuple[str, np.ndarray]] = []
    for ident, files in sorted(by_id.items(), key=lambda kv: -len(kv[1])):
        got = []
        for f in files:
            crop = dlib_ffhq_crop(cv2.cvtColor(cv2.imread(str(DATA / f)), cv2.COLOR_BGR2RGB), det, sp68, size)
            if crop is None:
                continue
            got.append((ident, crop))
            if len(got) == per_id:
                break
        if len(got) == per_id:
            out.extend(got)
        if len(out) == n_ids * per_id:
            break
    return out


@pytest.mark.shared_data
def test_dlib_same_person_below_06_different_above():
    if not (DATA / "identities.csv").is_file():
        pytest.skip(f"needs the shared celeba-wild photos at {DATA}")
    faces = _aligned_celeba()
    ids = [i for i, _ in faces]
    crops = np.stack([c for _, c in faces])
    rec = DlibRecognizer()
    for normalize, thr in ((False, 0.6), (True, rec.same_person_threshold)):
        e = rec.embed(crops, FFHQ, crops.shape[1], normalize=normalize)
        d = np.linalg.norm(e[:, None] - e[None], axis=-1)
        same = [d[i, j] for i in range(len(ids)) for j in range(i + 1, len(ids)) if ids[i] == ids[j]]
        diff = [d[i, j] for i in range(len(ids)) for j in range(i + 1, len(ids)) if ids[i] != ids[j]]
        assert len(same) >= 3 and len(diff) >= 6
        assert max(same) < thr, same
        assert min(diff) > thr, diff
