"""The job side of `id2face anonymize`: manifest, resume plan, shards and the final accounting.

One process or many (`accelerate launch -m id2face anonymize ...`, `torchrun -m id2face ...`): each
process takes every n-th pending input of the sorted list, writes its own journal, and process 0
shows one progress bar, prints one summary for the whole job and checks that no input went missing.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from id2face.cli.audit import AuditLog
from id2face.cli.inputs import Job
from id2face.jobs.journal import JobProgress, journal_path, merge_into_log, read_journals, run_dir
from id2face.jobs.manifest import JobManifest, job_dir, model_checksum, photo_checksum
from id2face.jobs.plan import Plan, make_plan, sweep_temp_files
from id2face.jobs.processes import ProcessGroup
from id2face.methods.registry import default_model_dir

# Settings that change what an output looks like; a rerun that changes one of them is refused
# (unless --overwrite) so an output folder never mixes two ways of anonymizing.
RESULT_SETTINGS = ("seed", "strength", "steps", "sampler", "guidance", "identity_candidates", "face_shape",
                   "attributes", "skin_tone",
                   "dtype", "thresh", "second_detector", "preserve", "mask_hair", "mask_grow", "blend",
                   "no_hands", "heads", "grain", "resample", "unsure", "turned", "small_faces",
                   "keep_threshold", "quality", "on_error", "no_audio", "consistent")


def job_settings(args: argparse.Namespace, method: str) -> dict[str, Any]:
    settings: dict[str, Any] = {k: getattr(args, k, None) for k in RESULT_SETTINGS}
    settings["method"] = method
    model = args.model or (default_model_dir() if method == "id2face" else None)
    settings["model"] = model_checksum(model) if method == "id2face" else None
    settings["keep"] = sorted(photo_checksum(p) for p in getattr(args, "keep", []) or [])
    return settings


@dataclass
class JobSession:
    """What one process of the job does before and after anonymizing its shard."""

    group: ProcessGroup
    args: argparse.Namespace
    jobs: list[Job]
    plan: Plan = field(default_factory=Plan)
    manifest: JobManifest | None = None
    run_id: str = ""

    @property
    def folder(self) -> Path | None:
        return job_dir(self.args.output) if self.args.output else None

    def prepare(self, method: str) -> None:
        """Compare with the last run's manifest, plan, clean a crash's leftovers, publish the manifest.

        Every process reads the old manifest and plans before any of them writes anything, so all
        of them see the same state and take the same decision.
        """
        if self.folder is None:  # outputs next to the inputs: no job folder, resume by existing outputs
            self.plan = make_plan(self.jobs, overwrite=self.args.overwrite)
            return
        self.manifest = JobManifest.build([j.src for j in self.jobs], job_settings(self.args, method))
        old = JobManifest.load(self.folder)
        changed: set[str] = set()
        if old is not None:
            diff = old.changed_settings(self.manifest)
            if diff and not self.args.overwrite:
                raise ValueError(f"{self.args.output} holds a job made with other settings "
                                 f"({', '.join(diff)}); use the same settings to resume it, another -o, "
                                 "or --overwrite to redo it")
            changed = old.changed_inputs(self.manifest)
        self.plan = make_plan(self.jobs, overwrite=self.args.overwrite, changed_inputs=changed)
        if self.group.main:
            sweep_temp_files(self.jobs)
        self.group.barrier()
        if self.group.main:
            self.manifest.save(self.folder)
        self.run_id = self.group.broadcast(time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3))

    @property
    def shard(self) -> list[Job]:
        return self.plan.shard(self.group.rank, self.group.world)

    def audit(self) -> AuditLog | None:
        """This process's writer: the user's --log for a single process, else its own journal."""
        if self.group.distributed:
            return AuditLog(journal_path(self.folder, self.run_id, self.group.rank))
        return AuditLog(self.args.log) if self.args.log else None

    def progress(self) -> AbstractContextManager:
        """The whole job's progress bar on process 0 of a multi-process job (else nothing)."""
        if self.group.distributed and self.group.main:
            return JobProgress(run_dir(self.folder, self.run_id), total=len(self.jobs),
                               disable=self.args.quiet)
        return nullcontext()

    def finish(self, counts: dict[str, int], seen: list[str]) -> tuple[dict[str, int] | None, list[str]]:
        """Gather every process's counts on process 0, merge the journals into --log, and list the
        inputs that no process accounted for. Other processes get (None, [])."""
        gathered = self.group.gather({"counts": counts, "seen": seen})
        if not self.group.main:
            return None, []
        total: dict[str, int] = {}
        for g in gathered:
            for k, v in g["counts"].items():
                total[k] = total.get(k, 0) + v
        if self.group.distributed and self.args.log:
            rows = read_journals(run_dir(self.folder, self.run_id))
            merge_into_log(rows, [str(j.src) for j in self.jobs], Path(self.args.log))
        seen_all = {s for g in gathered for s in g["seen"]}
        missing = [s for s in (str(j.src) for j in self.jobs) if s not in seen_all]
        return total, missing


def report_missing(missing: list[str]) -> None:
    shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
    print(f"error: {len(missing)} input(s) were not accounted for (neither anonymized, skipped nor failed): "
          f"{shown}", file=sys.stderr)

