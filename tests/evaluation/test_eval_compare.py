"""`id2face compare`: two eval runs face by face, on the photos and seeds both ran, with paired intervals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers_eval import photo_record

from id2face.cli.main import main
from id2face.evaluation import compare as cmp
from id2face.evaluation.intervals import paired_photo_bootstrap, rate_interval

PHOTOS, PEOPLE = 30, 60  # two faces a photo, every face another person


def _eval_folder(root, leaks: set[int], seeds=(0, 1), variant_dir="id2face", lost: set[int] = frozenset(),
                 shift: float = 0.0):
    """An eval output folder whose faces in `leaks` still look like their source (re-identified), the others
    like nobody; faces in `lost` are no longer detected."""
    people = np.eye(PEOPLE) * 10
    (root / "cache" / "originals").mkdir(parents=True)
    (root / "report.json").write_text(json.dumps({"recognizer_thresholds": {"dlib": {"metric": "l2",
                                                                                      "threshold": 0.6}}}))
    for p in range(PHOTOS):
        boxes = [[0, 0, 50 + shift, 50], [0, 0, 150, 150]]  # one small face, one medium
        photo_record(boxes, people[2 * p:2 * p + 2]).save(root / "cache" / "originals" / f"photo{p:02d}.npz")
        for s in seeds:
            d = root / "cache" / variant_dir / f"seed{s}"
            d.mkdir(parents=True, exist_ok=True)
            faces = [2 * p, 2 * p + 1]
            emb = [people[f if f in leaks else (f + 7) % PEOPLE] + 0.1 for f in faces]
            photo_record(boxes, emb, [f not in lost for f in faces]).save(d / f"photo{p:02d}.npz")
    return root


def test_the_paired_interval_is_narrower_than_either_rate_alone():
    photos = np.repeat(np.arange(100), 2)
    a = np.zeros(200)
    a[:40:2] = 1  # 20 faces of 20 photos re-identified in A
    b = a.copy()
    b[:12:2] = 0  # 6 of them no longer in B, nothing else changed
    lo, hi = paired_photo_bootstrap(a, b, photos)
    alone = rate_interval(a, photos)
    assert lo <= -0.03 <= hi < 0 and hi - lo < alone[1] - alone[0]


def test_a_run_that_hides_more_faces_reads_better_and_a_lost_face_worse(tmp_path):
    a_dir = _eval_folder(tmp_path / "a", leaks=set(range(0, 24, 2)) | {1})  # 12 small faces, 1 medium
    b_dir = _eval_folder(tmp_path / "b", leaks={1}, seeds=(1, 2), lost={3, 5, 7, 9, 11, 13})
    a, b = cmp.read_pair(a_dir, "id2face", b_dir, "id2face")
    assert a.seeds == b.seeds == [1] and len(a.keys) == PHOTOS and a.hits["dlib"].shape == (60, 1)
    rows = {r["rate"]: r for r in cmp.compare_runs(a, b)}
    small = rows["dlib re-id, <100 px (n=30)"]
    assert small["a"] == pytest.approx(12 / 30) and small["b"] == 0.0 and small["faces_better_in_b"] == 12
    assert small["interval"][1] < 0 and small["reading"] == "B better"
    medium = rows["dlib re-id, 100-200 px (n=30)"]
    assert medium["difference"] == 0.0 and medium["reading"] == "no difference shown"
    detected = rows["faces still detected"]
    assert detected["difference"] == pytest.approx(-6 / 60) and detected["faces_worse_in_b"] == 6
    assert detected["reading"] == "B worse"
    text = cmp.comparison_markdown(a, b, list(rows.values()))
    assert "30 photos, 60 faces, seeds 1" in text and "| dlib re-id, all | 21.7 % | 1.7 % | -20.0 |" in text


def test_runs_that_found_other_faces_or_share_nothing_are_refused(tmp_path):
    a_dir = _eval_folder(tmp_path / "a", leaks=set())
    with pytest.raises(ValueError, match="different faces"):
        cmp.read_pair(a_dir, "id2face", _eval_folder(tmp_path / "b", leaks=set(), shift=9.0), "id2face")
    with pytest.raises(ValueError, match="share no seed"):
        cmp.read_pair(a_dir, "id2face", _eval_folder(tmp_path / "c", leaks=set(), seeds=(5,)), "id2face")
    with pytest.raises(FileNotFoundError, match="no variant 'id2face@tone=3'"):
        cmp.read_pair(a_dir, "id2face", a_dir, "id2face@tone=3")
    with pytest.raises(FileNotFoundError, match="not a finished"):
        cmp.read_run(tmp_path / "nowhere")


def test_the_command_compares_two_variants_of_one_folder_and_writes_the_figures(tmp_path, capsys):
    root = _eval_folder(tmp_path / "run", leaks={0, 2, 4})
    _eval_folder(tmp_path / "other", leaks=set(), variant_dir="id2face__tone-3")
    (root / "cache" / "id2face__tone-3").symlink_to(tmp_path / "other" / "cache" / "id2face__tone-3")
    (root / "cache" / "id2face" / "seed0" / "meta.json").write_text(json.dumps({"model": None,
                                                                               "model_sums": "abcdef0123"}))
    assert main(["compare", str(root), "--variant-b", "id2face@tone=3", "-o", str(tmp_path / "c.md")]) == 0
    out = capsys.readouterr().out
    assert f"A: {root} (id2face; model bundled abcdef01)" in out and f"B: {root} (id2face@tone=3)" in out
    figures = json.loads((tmp_path / "c.json").read_text())
    assert figures["seeds"] == [0, 1] and figures["rates"][0]["faces_better_in_b"] == 3
    assert (tmp_path / "c.md").read_text() == out
    with pytest.raises(SystemExit, match="the same run"):
        main(["compare", str(root)])


def test_an_eval_run_compares_each_id2face_variant_with_the_plain_one(tmp_path):
    base = cmp.read_run(_eval_folder(tmp_path / "a", leaks=set(range(0, 24, 2))), "id2face")
    hides = cmp.read_run(_eval_folder(tmp_path / "b", leaks=set(), seeds=(1, 2)), "id2face")
    runs = {"id2face": base, "id2face@tone=3": hides, "pixelate": hides, "id2face@x": hides.on_seeds([])}
    paired = cmp.paired_with_base(runs)
    assert list(paired) == ["id2face@tone=3"]  # pixelate is another method; no shared seed, no comparison
    assert paired["id2face@tone=3"]["seeds"] == [1] and hides.on_seeds([2]).detected.shape == (60, 1)
    report = {"methods": {"id2face": {}, "id2face@tone=3": {"paired": paired["id2face@tone=3"]}}}
    title, head, rows = cmp.paired_table(report)
    assert title.startswith("Paired differences from id2face") and head[1] == "dlib re-id, all"
    assert rows[0][0] == "id2face@tone=3"
    assert rows[0][1].startswith("-20.0 (") and rows[0][1].endswith("better")
    assert cmp.paired_table({"methods": {"id2face": {}}}) is None


def test_runs_on_several_photo_sets_pool_into_one_narrower_comparison(tmp_path):
    pairs = []
    for name, leaks_b in (("x", {0, 14}), ("y", {2, 14})):  # a set: B hides 5 small faces, leaks 1 more
        a = _eval_folder(tmp_path / f"a{name}", leaks={0, 2, 4, 6, 8, 10})
        pairs.append((a, _eval_folder(tmp_path / f"b{name}", leaks=leaks_b, seeds=(0,))))
    one_a, one_b = cmp.read_pairs(pairs[:1], "id2face", "id2face")
    a, b = cmp.read_pairs(pairs, "id2face", "id2face")
    assert a.seeds == b.seeds == [0] and len(a.keys) == 2 * PHOTOS and len(a.widths) == 4 * PHOTOS
    assert len(set(a.photos.tolist())) == 2 * PHOTOS  # the sets' photos stay apart
    np.testing.assert_array_equal(a.hits["dlib"][: 2 * PHOTOS], one_a.hits["dlib"])
    alone = {r["rate"]: r for r in cmp.compare_runs(one_a, one_b)}["dlib re-id, all"]
    both = {r["rate"]: r for r in cmp.compare_runs(a, b)}["dlib re-id, all"]
    assert both["difference"] == pytest.approx(alone["difference"]) == pytest.approx(-4 / 60)
    assert both["faces_better_in_b"] == 10 and both["faces_worse_in_b"] == 2
    assert both["interval"][1] - both["interval"][0] < alone["interval"][1] - alone["interval"][0]
    with pytest.raises(ValueError, match="share no seed"):
        cmp.read_pairs([pairs[0], (pairs[1][0], _eval_folder(tmp_path / "c", leaks=set(), seeds=(1,)))],
                       "id2face", "id2face")


def test_the_command_pools_pairs_of_folders_given_with_and(tmp_path, capsys):
    a1, b1 = _eval_folder(tmp_path / "a1", leaks={0, 2}), _eval_folder(tmp_path / "b1", leaks=set())
    a2, b2 = _eval_folder(tmp_path / "a2", leaks={4}), _eval_folder(tmp_path / "b2", leaks=set())
    assert main(["compare", str(a1), str(b1), "--and", str(a2), str(b2)]) == 0
    out = capsys.readouterr().out
    assert f"A: {a1} (id2face) + {a2} (id2face)" in out and f"{2 * PHOTOS} photos, {4 * PHOTOS} faces" in out
    assert "| dlib re-id, all | 2.5 % | 0.0 % | -2.5 |" in out


def test_faces_nearer_a_training_person_are_compared_where_the_evals_kept_the_training_people(tmp_path):
    training = np.eye(PEOPLE)[40:] * 10 + 0.5  # 20 training people, each near one of the sources 40-59
    a_dir = _eval_folder(tmp_path / "a", leaks=set())  # new faces drawn as persons f + 7: 20 land near one
    b_dir = _eval_folder(tmp_path / "b", leaks=set(range(33, 40)))  # 7 of them keep their source instead
    without = {r["rate"] for r in cmp.compare_runs(*cmp.read_pair(a_dir, "id2face", b_dir, "id2face"))}
    assert not any("training" in r for r in without)  # no centroids in the caches: no row
    for d in (a_dir, b_dir):
        np.savez(d / "cache" / "training_centroids.npz", centroids=training, key="data/train:5")
    a, b = cmp.read_pair(a_dir, "id2face", b_dir, "id2face")
    assert a.near_training.shape == (2 * PHOTOS, 2)
    np.testing.assert_array_equal(np.flatnonzero(a.near_training[:, 0]), np.arange(33, 53))
    rows = {r["rate"]: r for r in cmp.compare_runs(a, b)}
    row = rows["nearer a training person than 95 % of unseen people"]
    assert row["a"] == pytest.approx(20 / 60) and row["b"] == pytest.approx(13 / 60)
    assert row["faces_better_in_b"] == 7 and row["faces_worse_in_b"] == 0
    pooled = cmp.pooled([a, a], "twice")
    assert pooled.near_training.shape == (4 * PHOTOS, 2) and pooled.on_seeds([1]).near_training.shape[1] == 1
