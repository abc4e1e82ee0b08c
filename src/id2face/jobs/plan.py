"""Which inputs a (re)run still has to do, which process does each, and the leftovers of a crash.

Every output is written atomically, so an output that exists is complete: a rerun skips it (unless
its input changed or --overwrite) and redoes the rest. The list of pending inputs is cut into
shards by position, so any number of processes, this time or the next, covers it exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class _Job(Protocol):
    src: Path
    dst: Path


@dataclass
class Plan:
    pending: list = field(default_factory=list)  # to do, in input order
    finished: list = field(default_factory=list)  # output exists from an earlier run: skipped
    changed: list = field(default_factory=list)  # redone because the input changed since then

    def shard(self, rank: int, world: int) -> list:
        """This process's share of the pending jobs: every world-th, starting at its rank."""
        return self.pending[rank::world]


def make_plan(jobs: Sequence[_Job], overwrite: bool = False, changed_inputs: set[str] | None = None) -> Plan:
    plan = Plan()
    changed_inputs = changed_inputs or set()
    for job in jobs:
        if overwrite or not job.dst.exists():
            plan.pending.append(job)
        elif str(job.src) in changed_inputs:
            plan.pending.append(job)
            plan.changed.append(job)
        else:
            plan.finished.append(job)
    return plan


def is_temp_of(name: str, dst: Path) -> bool:
    """Whether `name` is one of the hidden temporary files that the atomic writers make for `dst`
    (photos: .NAME.XXXX.part; videos: .STEM.XXXX.TAG.EXT)."""
    if name == dst.name or not name.startswith("."):
        return False
    return (name.startswith(f".{dst.name}.") and name.endswith(".part")) or (
        name.startswith(f".{dst.stem}.") and name.endswith(dst.suffix))


def sweep_temp_files(jobs: Sequence[_Job]) -> list[Path]:
    """Delete what a killed run left half-written next to these jobs' outputs; return what went."""
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for job in jobs:
        by_dir[job.dst.parent].append(job.dst)
    removed = []
    for folder, dsts in by_dir.items():
        if not folder.is_dir():
            continue
        hidden = [p for p in folder.iterdir() if p.name.startswith(".") and p.is_file()]
        for p in hidden:
            if any(is_temp_of(p.name, d) for d in dsts):
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed
