"""SharedGraph: one MediaPipe graph of a kind per process, however many threads ask for it first."""

from __future__ import annotations

import threading
import time

from id2face.face.shared_graph import SharedGraph


class _Graph:
    built = 0

    def __init__(self) -> None:
        time.sleep(0.05)  # a slow build: the window in which a second thread could build another
        type(self).built += 1
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_many_threads_get_one_graph_built_once(monkeypatch):
    registered = []
    monkeypatch.setattr("id2face.face.shared_graph.atexit.register", registered.append)
    _Graph.built = 0
    shared = SharedGraph(_Graph)
    got = []
    threads = [threading.Thread(target=lambda: got.append(shared.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _Graph.built == 1 and len(got) == 8 and all(g is got[0] for g in got)
    assert registered == [got[0].close]  # closed at exit, before interpreter teardown
