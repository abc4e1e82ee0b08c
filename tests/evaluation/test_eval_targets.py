"""The report's targets table: each issue-11 target met, missed or not measured, with its figure."""

from __future__ import annotations

from id2face.evaluation.targets import (
    MET,
    MISSED,
    UNMEASURED,
    Targets,
    target_header,
    targets_table,
    verdict_lines,
)


def _method(reid_faceres=0.01, small_bucket=0.01, few_bucket=0.5, detected=0.995, pose=3.5, pairs=0.92,
            training=0.02, fid_ratio=0.4) -> dict:
    bucket = {"<100 px": {"reid_rate": small_bucket, "n": 30, "few": False},
              ">=200 px": {"reid_rate": few_bucket, "n": 4, "few": True}}
    return {
        "identity": {"dlib": {"reid_rate": 0.01}, "faceres": {"reid_rate": reid_faceres}},
        "identity_by_size": {"dlib": {"<100 px": {"reid_rate": 0.0, "n": 30, "few": False}},
                             "faceres": bucket},
        "utility": {"faces_detected": detected, "pose_error_deg_median": pose},
        "quality": {"fid_over_pixelate": fid_ratio, "fid_half_over_floor": 1.5},
        "diversity": {"dlib": {"different_pairs": pairs}},
        "training_identity": {"closer_than_unseen_rate": training},
    }


def _row(report: dict, name: str) -> dict[str, str]:
    title, head, rows = targets_table(report)
    return dict(zip(head, next(r for r in rows if r[0] == name), strict=True))


def test_a_method_meeting_everything_is_all_met_and_buckets_with_few_faces_do_not_count():
    row = _row({"methods": {"id2face": _method()}}, "id2face")
    assert row["verdict"] == "all met"
    assert row["faceres re-id ≤ 2 % (all, buckets ≥ 20 faces)"] == f"{MET} all 1.0, <100 px 1.0 %"


def test_each_miss_is_marked_and_counted():
    missing = _method(small_bucket=0.05, detected=0.98, pose=4.2, pairs=0.8)
    report = {"methods": {"id2face@guidance=2": missing}}
    row = _row(report, "id2face@guidance=2")
    assert row["faceres re-id ≤ 2 % (all, buckets ≥ 20 faces)"].startswith(MISSED)  # one bucket over
    assert row["detected ≥ 99 %"] == f"{MISSED} 98.0 %"
    assert row["median pose ≤ 4°"] == f"{MISSED} 4.20°"
    assert row["dlib re-id ≤ 2 % (all, buckets ≥ 20 faces)"].startswith(MET)
    assert row["verdict"] == "4 missed"


def test_what_a_run_did_not_measure_is_said_and_other_methods_are_left_out():
    m = _method()
    del m["training_identity"], m["quality"]["fid_over_pixelate"]
    report = {"methods": {"none": {}, "pixelate": _method(), "id2face": m}}
    title, head, rows = targets_table(report)
    assert [r[0] for r in rows] == ["id2face"] and head[1:] == target_header(Targets())
    row = _row(report, "id2face")
    assert row["training identity ≤ 5 %"] == UNMEASURED and row["verdict"] == "0 missed, 2 not measured"
    assert targets_table({"methods": {"blur": _method()}}) is None


def test_the_terminal_lines_name_each_missed_target_with_its_figure():
    report = {"methods": {"pixelate": _method(), "id2face": _method(),
                          "id2face@guidance=2": _method(small_bucket=0.05, detected=0.98)}}
    assert verdict_lines(report) == [
        "id2face: all met",
        "id2face@guidance=2: 2 missed: faceres re-id (all 1.0, <100 px 5.0 %); detected (98.0 %)",
    ]
    assert verdict_lines({"methods": {"blur": _method()}}) == []
