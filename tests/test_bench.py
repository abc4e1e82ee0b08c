from id2face.bench import generated_photo, run_bench


def test_generated_photos_hold_the_requested_faces(detector):
    for n in (1, 4):
        assert len(detector.detect(generated_photo(n, seed=n))) == n


def test_bench_counts_every_face_and_reports_stages():
    res = run_bench("pixelate", photos=2, faces_per_photo=2, batch=2, warmup=0)
    assert res.faces == 4 and res.faces_per_s > 0
    assert set(res.stage_ms_per_face) == {"detect", "align", "method", "paste"}
    assert "faces/s" in res.table() and res.peak_rss_mib > 0
