"""One MediaPipe graph of a kind per process: built on first use, closed before interpreter teardown."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


G = TypeVar("G", bound=Closable)


class SharedGraph(Generic[G]):
    """`get()` builds the graph once (under a lock: two threads must not build two) and registers its close
    at exit, where a graph left running can abort the interpreter."""

    def __init__(self, build: Callable[[], G]) -> None:
        self._build = build
        self._graph: G | None = None
        self._lock = threading.Lock()

    def get(self) -> G:
        with self._lock:
            if self._graph is None:
                self._graph = self._build()
                atexit.register(self._graph.close)
            return self._graph
