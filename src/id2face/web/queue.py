"""Where each upload stands in line: the page polls its ticket to show "n photos ahead of yours"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Queue:
    """Tickets in arrival order; the first one is being worked on, the others wait for the model."""

    def __init__(self) -> None:
        self._tickets: list[str] = []
        self._lock = threading.Lock()

    @contextmanager
    def enter(self, ticket: str) -> Iterator[None]:
        """Hold a place in line from arrival until the answer is ready."""
        with self._lock:
            self._tickets.append(ticket)
        try:
            yield
        finally:
            with self._lock:
                self._tickets.remove(ticket)

    def ahead(self, ticket: str) -> int | None:
        """How many uploads are before `ticket` (0: it is being worked on), or None when unknown."""
        with self._lock:
            return self._tickets.index(ticket) if ticket in self._tickets else None
