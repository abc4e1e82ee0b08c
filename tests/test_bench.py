from id2face.bench import generated_photo, run_bench


def test_generated_photos_hold_the_requested_faces(detector):
    for n in (1, 4):
        assert len(detector.detect(generated_photo(n, seed=n))) == n


def test_bench_counts_every_face_and_reports_stages():
    res = run_bench("pixelate", photos=2, faces_per_photo=2, batch=2, warmup=0)
    assert res.faces == 4 and res.faces_per_s > 0
    assert set(res.stage_ms_per_face) == {"detect", "align", "method", "paste"}
    assert "faces/s" in res.table() and res.peak_rss_mib > 0


def test_bench_cli_times_a_config_with_random_weights_and_shows_scaling(tmp_path, capsys):
    """--config tiny: the bundled architecture with random weights; per-face times for 1 and 2 faces."""
    import json

    from id2face.cli.main import main

    out = tmp_path / "bench.json"
    rc = main(
        [
            "bench",
            "--config",
            "tiny",
            "--steps",
            "1",
            "--photos",
            "1",
            "--faces",
            "1,2",
            "--warmup",
            "0",
            "--sampler",
            "ddpm",
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "random weights" in text and "faces/photo  ms/photo  ms/face" in text
    rows = json.loads(out.read_text())
    assert [r["faces"] for r in rows] == [1, 2]
    assert rows[0]["settings"]["sampler"] == "ddpm" and rows[0]["settings"]["steps"] == 1
    assert rows[0]["settings"]["attributes"] == "free"  # random weights: no identity-attributes map
    assert all(
        r["stage_ms_per_face"]["method"] > 0 and r["peak_rss_mib"] >= r["rss_before_mib"] > 0 for r in rows
    )
    inner = {k: v for k, v in rows[1]["stage_ms_per_face"].items() if k.startswith("method.")}
    assert set(inner) == {"method.identity", "method.condition", "method.sample", "method.decode"}
    assert sum(inner.values()) <= rows[1]["stage_ms_per_face"]["method"] * 1.001  # parts of the method stage


def test_bench_cli_refuses_bad_sizes_and_configs(capsys):
    from id2face.cli.main import main

    assert main(["bench", "-m", "blur", "--size", "big"]) == 2
    assert "WxH" in capsys.readouterr().err
    assert main(["bench", "--config", "nope"]) == 2
    assert "tiny" in capsys.readouterr().err
