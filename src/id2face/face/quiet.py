"""Silence MediaPipe's native start-up chatter (TFLite/absl lines written straight to fd 2)."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Point file descriptor 2 at /dev/null for the duration; Python's own stderr is flushed first."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def settle(solution, image):
    """Run one inference of a MediaPipe solution and wait until every node of its graph is idle.

    A graph opens its nodes on worker threads: a branch the first view does not reach (the landmark model
    after a detector that found nothing) may still be opening, and printing its TFLite notices, after
    `process` returns. Called inside `native_stderr_silenced`, this keeps those notices inside it too.
    Returns what `process` returned."""
    result = solution.process(image)
    graph = getattr(solution, "_graph", None)  # SolutionBase's CalculatorGraph (MediaPipe 0.10)
    if graph is not None and hasattr(graph, "wait_until_idle"):
        graph.wait_until_idle()
    return result
