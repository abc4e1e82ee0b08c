"""Issue 11 in the report: the FID floor next to each method's FID, and re-identification by face width.

The end-to-end test runs `evaluate` on real detections (dlib) with a stand-in for the Inception network
(colour statistics of each crop), so the wiring is checked in seconds and without the FID weights.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from id2face.evaluation import report
from id2face.evaluation.config import EvalConfig
from id2face.evaluation.fid_floor import split_halves
from id2face.evaluation.metrics.fid import frechet_distance
from id2face.evaluation.runner import PhotoRecord, list_photos, photo_key
from id2face.io.images import save_image


def _method(fid: float, sizes: dict | None = None) -> dict:
    keys = ("pose_error_deg", "pose_error_deg_median", "landmark_error_nme", "gaze_error_deg",
            "faces_detected", "psnr_outside_db", "ssim_outside", "seconds_per_photo", "fallbacks")
    m = {"identity": {"dlib": {"reid_rate": 0.1, "verification_rate": 0.1, "mean_similarity": 0.3,
                               "detection_rate": 0.5}},
         "utility": dict.fromkeys(keys, 1.0),
         "quality": {"fid": fid, "fid_half": fid + 5, "sharpness": 1.0, "sharpness_original": 1.0,
                     "fid_samples": 48, "fid_over_floor": fid / 20, "fid_half_over_floor": (fid + 5) / 20,
                     "fid_over_pixelate": fid / 100}}
    if sizes is not None:
        m["identity_by_size"] = {"dlib": sizes}
    return m


SIZES = {"<100 px": {"reid_rate": 0.05, "n": 30, "few": False},
         "100-200 px": {"reid_rate": 0.125, "n": 16, "few": True},
         ">=200 px": {"reid_rate": None, "n": 0, "few": True}}
REPORT = {"config": {"recognizers": ["dlib"], "data": "photos", "seeds": 1}, "photos": 12, "faces": 46,
          "fid_floor": {"fid": 20.0, "half_a": 23, "half_b": 23, "crops": 46, "split_seed": 0},
          "methods": {"pixelate": _method(100.0, SIZES), "id2face": _method(30.0, SIZES)}}


def test_markdown_and_html_show_the_floor_the_ratios_and_the_size_buckets(tmp_path):
    report.write_markdown(REPORT, tmp_path / "r.md", {})
    report.write_html(REPORT, tmp_path / "r.html", {})
    md = (tmp_path / "r.md").read_text()
    assert "FID floor (real half vs real half): 20, between two disjoint halves of the original face crops " \
           "(23 vs 23 crops, split seed 0)" in md
    assert "| FID floor (real half vs real half) | 20 | 1 | 0.2 | 20 | 1 | – | – | 23 vs 23 |" in md
    assert "| id2face | 30 | 1.5 | 0.3 | 35 | 1.75 |" in md
    assert "| dlib re-id <100 px ↓ | dlib re-id 100-200 px ↓ | dlib re-id >=200 px ↓ |" in md
    assert "| id2face | 5.0 % (n=30) | 12.5 % (n=16, n<20) | – (n=0, n<20) |" in md
    html = (tmp_path / "r.html").read_text()
    assert "FID floor (real half vs real half): 20" in html and "12.5 % (n=16, n&lt;20)" in html


def test_reports_without_the_new_numbers_still_render(tmp_path):
    old = {**REPORT, "methods": {"blur": _method(50.0)}}
    del old["fid_floor"]
    for k in ("fid_half", "fid_over_floor", "fid_half_over_floor", "fid_over_pixelate"):
        del old["methods"]["blur"]["quality"][k]
    report.write_markdown(old, tmp_path / "r.md", {})
    md = (tmp_path / "r.md").read_text()
    assert "| blur | 50 | – | – | – | – |" in md and "FID floor" not in md.split("## Recognizers")[0]
    assert "Re-identification by face width" not in md


class FakeInception:
    """Colour mean and std of each crop: 6-D features, deterministic and fast."""

    def __call__(self, crops: np.ndarray) -> np.ndarray:
        x = np.asarray(crops, np.float64).reshape(len(crops), -1, 3)
        return np.concatenate([x.mean(1), x.std(1)], 1)


@pytest.fixture(scope="module")
def run_with_fid(tmp_path_factory):
    import skimage.data

    import id2face.evaluation.metrics.fid as fid_module
    from id2face.evaluation.evaluate import evaluate

    img = skimage.data.astronaut()
    tiles = [img, np.ascontiguousarray(img[:, ::-1]), (img * 0.85).astype(np.uint8),
             np.ascontiguousarray((img[:, ::-1] * 0.7).astype(np.uint8))]
    d = tmp_path_factory.mktemp("photos")
    four = np.concatenate([np.concatenate(tiles[:2], 1), np.concatenate(tiles[2:], 1)], 0)
    save_image(four, d / "four.png")
    save_image(np.ascontiguousarray(img.repeat(2, 0).repeat(2, 1)), d / "large.png")  # one face ~200 px wide
    out = tmp_path_factory.mktemp("report")
    mp = pytest.MonkeyPatch()
    mp.setattr(fid_module, "InceptionFeatures", FakeInception)
    try:
        evaluate(EvalConfig(data=str(d), output=str(out), methods=["pixelate", "blur"], recognizers=["dlib"],
                            seeds=1, grid_images=0))
    finally:
        mp.undo()
    return d, out


def test_eval_reports_the_floor_on_the_original_crops(run_with_fid):
    photos, out = run_with_fid
    rep = json.loads((out / "report.json").read_text())
    floor = rep["fid_floor"]
    assert rep["faces"] >= 4 and floor["crops"] == rep["faces"]
    assert floor["half_a"] + floor["half_b"] == rep["faces"] and floor["half_a"] - floor["half_b"] in (0, 1)
    cache = out / "cache" / "originals"
    crops = np.concatenate([PhotoRecord.load(cache / (photo_key(photos, p) + ".npz")).crops
                            for p in list_photos(photos)])
    f = FakeInception()(crops)
    a, b = split_halves(len(f))
    assert floor["fid"] == pytest.approx(frechet_distance(f[a], f[b]), rel=1e-9)
    q = {m: rep["methods"][m]["quality"] for m in ("pixelate", "blur")}
    assert q["blur"]["fid_over_floor"] == pytest.approx(q["blur"]["fid"] / floor["fid"])
    assert q["blur"]["fid_over_pixelate"] == pytest.approx(q["blur"]["fid"] / q["pixelate"]["fid"])
    assert q["pixelate"]["fid_over_pixelate"] == pytest.approx(1.0)
    assert rep["methods"]["none"]["quality"]["fid_over_floor"] is None  # the reference has no FID
    assert "FID floor (real half vs real half)" in (out / "report.md").read_text()


def test_eval_reports_reid_by_face_width_for_every_method(run_with_fid):
    _, out = run_with_fid
    rep = json.loads((out / "report.json").read_text())
    for name, m in rep["methods"].items():
        buckets = m["identity_by_size"]["dlib"]
        assert list(buckets) == ["<100 px", "100-200 px", ">=200 px"]
        assert sum(b["n"] for b in buckets.values()) == rep["faces"]
        assert all(b["few"] for b in buckets.values())  # a handful of faces: every bucket is marked
        weighted = sum(b["n"] * b["reid_rate"] for b in buckets.values() if b["n"])
        assert weighted / rep["faces"] == pytest.approx(m["identity"]["dlib"]["reid_rate"]), name
    assert buckets[">=200 px"]["n"] >= 1  # the upscaled photo's face
    assert all(b["reid_rate"] == 1.0 for b in rep["methods"]["none"]["identity_by_size"]["dlib"].values()
               if b["n"])
    assert "n<20)" in (out / "report.md").read_text()
