"""Ctrl-C and SIGTERM as a polite "stop": the loop finishes the frame in hand and ends normally.

A live session has no end of its own (a camera, --no-preview): a signal is the only way to stop it,
so it must keep what was recorded instead of killing the process mid-write.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """While active, SIGINT/SIGTERM only set `received` (the signal's name); old handlers come back after."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._old: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = self.received or signal.Signals(signum).name

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():  # handlers can only be set there
            for s in STOP_SIGNALS:
                self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)
        self._old.clear()
