"""Per-process journals of a run: one JSON line per input, one writer per process.

Each process appends to its own file (no locking, nothing lost if another process dies); process 0
reads them all as they grow to drive the job's one progress bar, and at the end merges them into
the user's --log and checks that every input of the job is accounted for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

RUNS = "runs"


def run_dir(job_folder: Path, run_id: str) -> Path:
    return job_folder / RUNS / run_id


def journal_path(job_folder: Path, run_id: str, rank: int) -> Path:
    return run_dir(job_folder, run_id) / f"rank{rank:04d}.jsonl"


def read_journals(folder: Path) -> list[dict]:
    """Every complete line of every process's journal in `folder` (a torn last line is ignored)."""
    rows = []
    for path in sorted(folder.glob("rank*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return rows


def merge_into_log(rows: Iterable[dict], order: list[str], log: Path) -> int:
    """Append `rows` to `log`, in input order (errors without an input first); return how many."""
    rank = {src: i for i, src in enumerate(order)}
    rows = sorted(rows, key=lambda r: rank.get(r.get("input", ""), -1))
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return len(rows)


class JobProgress:
    """Process 0's progress bar for the whole job, fed by the growing journals of every process."""

    def __init__(self, folder: Path, total: int, disable: bool = False, interval: float = 0.5) -> None:
        self.folder = folder
        self.bar = tqdm(total=total, unit="file", disable=disable, dynamic_ncols=True)
        self.interval = interval
        self._offsets: dict[Path, int] = {}
        self._counts = {"files": 0, "faces": 0, "failed": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> JobProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()
        self.bar.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> None:
        """Read what the journals gained since the last call and move the bar."""
        for path in sorted(self.folder.glob("rank*.jsonl")):
            start = self._offsets.get(path, 0)
            with open(path, "rb") as fh:
                fh.seek(start)
                chunk = fh.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self._offsets[path] = start + len(complete)
            for line in complete.decode("utf-8").splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                self._counts["files"] += 1
                self._counts["faces"] += int(row.get("faces") or 0)
                self._counts["failed"] += row.get("status") == "failed"
        c = self._counts
        rate = c["faces"] / max(self.bar.format_dict.get("elapsed", 0) or 1e-9, 1e-9)
        self.bar.n = c["files"]
        self.bar.set_postfix_str(f"{c['faces']} faces ({rate:.1f}/s), {c['failed']} failed", refresh=False)
        self.bar.refresh()
