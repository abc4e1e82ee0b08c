"""Job manifest, resume plan, shards and crash leftovers (no model, no processes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from id2face.cli.inputs import Job
from id2face.jobs.journal import merge_into_log, read_journals
from id2face.jobs.manifest import JobManifest, model_checksum
from id2face.jobs.plan import is_temp_of, make_plan, sweep_temp_files


def _jobs(tmp_path: Path, n: int) -> list[Job]:
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    jobs = []
    for i in range(n):
        src = tmp_path / "in" / f"p{i:02d}.png"
        src.write_bytes(b"x" * (i + 1))
        jobs.append(Job(src, tmp_path / "out" / src.name))
    return jobs


def test_shards_cover_the_pending_list_once_for_any_number_of_processes(tmp_path):
    jobs = _jobs(tmp_path, 11)
    jobs[3].dst.write_bytes(b"done")
    plan = make_plan(jobs)
    assert [j.src.name for j in plan.finished] == ["p03.png"]
    for world in (1, 2, 3, 7, 16):
        shards = [plan.shard(r, world) for r in range(world)]
        flat = [j for s in shards for j in s]
        assert sorted(flat, key=lambda j: j.src) == plan.pending and len(flat) == 10
    assert make_plan(jobs, overwrite=True).pending == jobs


def test_manifest_round_trip_and_what_changed(tmp_path):
    jobs = _jobs(tmp_path, 3)
    m = JobManifest.build([j.src for j in jobs], {"seed": 0, "method": "blur"})
    m.save(tmp_path / "job")
    back = JobManifest.load(tmp_path / "job")
    assert back == m
    assert not back.changed_settings(m)
    jobs[1].src.write_bytes(b"another photo")
    again = JobManifest.build([j.src for j in jobs], {"seed": 1, "method": "blur"})
    assert back.changed_settings(again) == ["seed"]
    assert back.changed_inputs(again) == {str(jobs[1].src)}
    for j in jobs:
        j.dst.write_bytes(b"old output")
    plan = make_plan(jobs, changed_inputs=back.changed_inputs(again))
    assert plan.pending == [jobs[1]] == plan.changed


def test_an_unreadable_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable job manifest"):
        JobManifest.load(tmp_path)


def test_model_checksum_follows_the_weights_sums(tmp_path):
    (tmp_path / "SHA256SUMS").write_text("abc  unet/x.safetensors\n")
    first = model_checksum(tmp_path)
    (tmp_path / "SHA256SUMS").write_text("abd  unet/x.safetensors\n")
    assert model_checksum(tmp_path) != first
    second = model_checksum(tmp_path)
    (tmp_path / "training.json").write_text('{"mask_dilate": 0.12}')  # a recorded default changes outputs
    assert model_checksum(tmp_path) != second
    assert model_checksum(None) is None and model_checksum(tmp_path / "missing") is None


def test_sweep_removes_only_the_temp_files_of_the_jobs_outputs(tmp_path):
    jobs = _jobs(tmp_path, 2)
    out = tmp_path / "out"
    leftovers = [out / ".p00.png.ab12cd.part", out / ".p01.xy.mux.png"]
    keep = [out / ".hidden_notes.txt", out / "p00.png.part", out / ".other.png.zz.part"]
    for p in leftovers + keep:
        p.write_bytes(b"half")
    assert sorted(sweep_temp_files(jobs)) == sorted(leftovers)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in leftovers)
    assert not is_temp_of("p00.png", jobs[0].dst)


def test_journals_merge_in_input_order_and_skip_a_torn_line(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "rank0000.jsonl").write_text('{"input": "b", "status": "anonymized"}\n')
    (run / "rank0001.jsonl").write_text('{"input": "a", "status": "no_face"}\n{"input": "c", "sta')
    rows = read_journals(run)
    assert [r["input"] for r in rows] == ["b", "a"]
    log = tmp_path / "log.jsonl"
    assert merge_into_log(rows, ["a", "b", "c"], log) == 2
    assert [line.split('"')[3] for line in log.read_text().splitlines()] == ["a", "b"]
