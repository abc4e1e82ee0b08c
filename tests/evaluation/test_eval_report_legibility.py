"""Issue 14: eval says which settings it runs (ablations only when asked), its plots and grid are legible,
its report defines its columns, and the printed path is clean."""

from __future__ import annotations

import math

import numpy as np

from id2face.evaluation import report
from id2face.evaluation.config import EvalConfig
from id2face.io.images import load_image


def _method(pose: float) -> dict:
    keys = ("pose_error_deg_median", "landmark_error_nme", "gaze_error_deg", "faces_detected",
            "psnr_outside_db", "ssim_outside", "seconds_per_photo", "fallbacks")
    utility = dict.fromkeys(keys, 1.0)
    utility["pose_error_deg"] = pose
    return {"identity": {"dlib": {"reid_rate": 0.1, "verification_rate": 0.1, "mean_similarity": 0.3,
                                  "detection_rate": 0.5}},
            "utility": utility, "quality": {"fid": 1.0, "sharpness": 1.0, "sharpness_original": 1.0,
                                            "fid_samples": 3}}


FAKE = {"config": {"recognizers": ["dlib"], "data": "photos", "seeds": 1}, "photos": 1, "faces": 1,
        "methods": {"none": _method(0.0), "id2face": _method(5.0), "blur": _method(math.nan)}}


def test_default_run_adds_no_ablations_and_prints_its_settings(tmp_path, monkeypatch, capsys):
    """Before: --methods id2face,blur also ran id2face@strength=0 and @strength=0.5 (5 seeds each) unsaid,
    and the last line read OUT//report.html for -o OUT/."""
    import id2face.evaluation.evaluate as evaluate_module
    from id2face.cli.main import main

    assert EvalConfig().ablations == []
    seen = {}

    def fake(cfg):
        seen["cfg"] = cfg
        return {"photos": 1, "faces": 1}

    monkeypatch.setattr(evaluate_module, "evaluate", fake)
    assert main(["eval", "--data", str(tmp_path), "-o", f"{tmp_path}/rep/", "--methods", "id2face,blur"]) == 0
    out = capsys.readouterr().out
    assert seen["cfg"].ablations == []
    assert "ablations: none" in out and "seeds: 5 for id2face" in out and "recognizers: dlib, faceres" in out
    assert "//" not in out and f"{tmp_path}/rep/report.html" in out
    assert main(["eval", "--data", str(tmp_path), "-o", str(tmp_path), "--methods", "id2face",
                 "--ablations", "id2face@strength=0"]) == 0
    assert seen["cfg"].ablations == ["id2face@strength=0"]
    assert "ablations: id2face@strength=0\n" in capsys.readouterr().out


def test_grid_column_titles_stay_in_their_columns(tmp_path):
    """Before: titles longer than a cell (id2face@strength=0.5) ran into the next column's."""
    labels = ["original", "id2face@strength=0.5", "id2face@sampler=dpmsolver,steps=8", "pixelate"]
    crops = [np.full((64, 64, 3), 128, np.uint8)] * len(labels)
    report.image_grid([crops], labels, tmp_path / "grid.png")
    img = load_image(tmp_path / "grid.png")
    head = img[: img.shape[0] - 128]
    for j in range(1, len(labels)):
        x = j * 128
        assert (head[:, x - 2:x + 2] == 255).all(), f"a title crosses into column {j}"
    ink = [(head[:, j * 128:(j + 1) * 128] < 128).sum() for j in range(len(labels))]
    assert all(n > 20 for n in ink)  # every title is drawn


def test_reid_vs_pose_names_the_methods_it_cannot_plot(tmp_path):
    """Before: blur (no head pose once blurred) was left out of reid_vs_pose.png without a word."""
    points, missing = report.reid_pose_points(FAKE)
    assert {p[0] for p in points} == {"none", "id2face"} and list(missing) == ["blur"]
    images = {"Re-identification against pose error": "reid_vs_pose.png"}
    report.write_markdown(FAKE, tmp_path / "r.md", images)
    report.write_html(FAKE, tmp_path / "r.html", images)
    for f in ("r.md", "r.html"):
        assert "blur is not plotted: no head pose" in (tmp_path / f).read_text()
    assert report.plot_reid_vs_pose(FAKE, tmp_path / "p.png") in (True, False)


def test_the_report_defines_similarity(tmp_path):
    """Before: "dlib similarity" was a column the report never defined."""
    report.write_markdown(FAKE, tmp_path / "r.md", {})
    report.write_html(FAKE, tmp_path / "r.html", {})
    for f in ("r.md", "r.html"):
        text = (tmp_path / f).read_text()
        assert "dlib similarity" in text and "cosine similarity between the recognizer" in text
