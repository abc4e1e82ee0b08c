"""Run logs: always a JSONL file; TensorBoard as well when the `tensorboard` package is installed."""

from __future__ import annotations

import json
import time
from pathlib import Path


class RunLogger:
    def __init__(self, directory: Path, enabled: bool = True):
        self.enabled = enabled
        self._tb = None
        self._fh = None
        if not enabled:
            return
        directory.mkdir(parents=True, exist_ok=True)
        self._fh = open(directory / "log.jsonl", "a", buffering=1)
        try:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(directory / "tensorboard"))
        except Exception:  # tensorboard is optional; the JSONL log always exists
            self._tb = None

    def log(self, step: int, values: dict, stage: str = "train") -> None:
        if not self.enabled:
            return
        row = {"time": round(time.time(), 3), "stage": stage, "step": step,
               **{k: float(v) for k, v in values.items()}}
        self._fh.write(json.dumps(row) + "\n")
        if self._tb is not None:
            for k, v in values.items():
                self._tb.add_scalar(f"{stage}/{k}", float(v), step)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._tb is not None:
            self._tb.close()
