"""`--log FILE.jsonl`: one JSON line per input, an audit trail of what was done to each file.

Privacy reviews need to know which files were changed, how many faces each had, and which had
none (a missed face is the failure that matters most). Lines are appended and flushed one by
one, so a stopped or resumed run leaves a valid log.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TextIO


class AuditLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: TextIO = open(self.path, "a", encoding="utf-8", buffering=1)

    def record(
        self,
        src: Path,
        dst: Path,
        status: str,
        faces: int | None = None,
        fallbacks: int | None = None,
        boxes: list | None = None,
        error: str | None = None,
        kept: int = 0,
    ) -> None:
        row: dict = {"input": str(src), "output": str(dst), "status": status}
        if faces is not None:
            row.update(faces=faces, fallbacks=fallbacks or 0, kept=kept)
        if boxes is not None:
            row["boxes"] = [[round(float(v), 1) for v in b] for b in boxes]
        if error is not None:
            row["error"] = error
        self._write(row)

    def record_error(self, message: str) -> None:
        """An input that named no file to process (missing path, empty glob)."""
        self._write({"status": "failed", "error": message})

    def _write(self, row: dict) -> None:
        self._fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **row}) + "\n")

    def close(self) -> None:
        self._fh.close()
