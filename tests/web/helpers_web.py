"""Running a test web server on 127.0.0.1 and posting photos to it (shared by the web tests)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def serving(srv) -> Iterator[str]:
    """Serve `srv` (from web.server.make_server) in a thread; yield its base address, then stop it."""
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    host, port = srv.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        srv.shutdown()
        srv.server_close()


def post(base: str, query: str, body: bytes) -> tuple[int, dict, bytes]:
    """(status, headers, body) of POST /api/anonymize?query, error statuses included."""
    req = urllib.request.Request(f"{base}/api/anonymize?{query}", data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
