"""A small local web server over the Anonymizer (standard library only, nothing stored).

Uploads are read into memory, decoded with the same checks as files, anonymized and sent back
as a metadata-free image; nothing touches the disk and filenames are never logged. The server
binds to 127.0.0.1 by default. Requests run one at a time: the models are not re-entrant.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np

from id2face.anonymizer import Anonymizer
from id2face.io.animation import TooManyFramePixels, decode_animation, encode_animation, frames_in_bytes
from id2face.io.images import MediaError, TooManyPixels, decode_photo, encode_image
from id2face.methods.registry import METHODS
from id2face.reports import FaceAnonymizationError, ImageReport
from id2face.web.queue import Queue

PAGE = Path(__file__).resolve().parents[1] / "assets" / "web" / "index.html"
FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}
ANIMATED = {"png", "webp"}  # answers that can hold every frame of an animated upload (APNG, animated WebP)


@dataclass
class WebConfig:
    """Limits of the web interface (uploads are held in memory)."""

    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: float = 50.0
    max_pixels: int = 60_000_000
    default_method: str = "id2face"
    request_timeout: float = 60.0  # seconds a client may stall before its connection is dropped
    max_frames: int = 300  # frames of an animated upload (each one is a photo's work)


class BadRequest(ValueError):
    """A request the client must change (HTTP 400)."""


class AnonymizerPool:
    """One Anonymizer per method, built on first use and then reused; one request at a time."""

    def __init__(self, factory: Callable[[str], Anonymizer], methods: tuple[str, ...] = METHODS):
        self.factory = factory
        self.methods = methods
        self._cache: dict[str, Anonymizer] = {}
        self._lock = threading.Lock()

    def warm(self, method: str) -> None:
        """Build a method's Anonymizer now (loading a model takes seconds)."""
        with self._lock:
            if method not in self._cache:
                self._cache[method] = self.factory(method)

    def run(self, method: str, rgb: np.ndarray, seed: int, strength: float) -> tuple[np.ndarray, ImageReport]:
        """The anonymized photo and what happened to it."""
        self._ready(method)
        with self._lock:
            # Per request, passed to the call: the shared Anonymizer is never changed.
            out, report = self._cache[method].anonymize_rgb(rgb, seed=seed, strength=strength)
        return out, report

    def run_frames(self, method: str, frames: list[np.ndarray], seed: int,
                   strength: float) -> tuple[list[np.ndarray], ImageReport]:
        """The frames of an animation anonymized as a clip (tracked faces, one new person per real one),
        and what happened to them all."""
        self._ready(method)
        outs, total = [], ImageReport()
        with self._lock:
            anon = self._cache[method]
            for out, report in anon.anonymize_stream(frames, seed=seed, strength=strength,
                                                     lookahead=anon.lookahead_frames):
                outs.append(out)
                total.add(report)
        return outs, total

    def _ready(self, method: str) -> None:
        if method not in self.methods:
            raise BadRequest(f"unknown method {method!r}; choose one of {', '.join(self.methods)}")
        self.warm(method)


def _options(query: str) -> tuple[str, int, float, str, str]:
    q = {k: v[-1] for k, v in parse_qs(query).items()}
    try:
        seed = int(q.get("seed", "0"))
    except ValueError:
        raise BadRequest(f"seed must be a whole number such as 0 or 42, not {q['seed'][:20]!r}") from None
    try:
        strength = float(q.get("strength", "1"))
    except ValueError:
        strength = float("nan")
    if not 0.0 <= strength <= 1.0:  # nan fails too
        raise BadRequest(f"strength must be a number from 0 to 1, not {q['strength'][:20]!r}")
    fmt = q.get("format", "png").lower()
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}")
    return q.get("method", ""), seed, strength, fmt, q.get("name", "upload")[:80]


def too_many_pixels(e: TooManyPixels) -> str:
    """The pixel limit in words for the person at the page (the operator's flag is not theirs)."""
    return (f"this photo is too large: {e.width * e.height / 1e6:.3g} megapixels ({e.width}x{e.height}); "
            f"this page accepts up to {e.limit / 1e6:g} megapixels: scale it down and try again")


def too_many_frame_pixels(e: TooManyFramePixels) -> str:
    """The same for an animation, whose frames count together."""
    return (f"this animation is too large: its frames pass this page's limit of {e.limit / 1e6:g} megapixels "
            f"(counted over all frames) at frame {e.frame} of {e.frames}; shorten it or scale it down")


def result_headers(report: ImageReport, seconds: float, frames: int = 1, every_frame: bool = False
                   ) -> dict[str, str]:
    """What happened, for the page: counts and one line of text (ASCII, fits a header). An animated
    upload answered as JPEG gives its first frame only, and the line says so; as PNG or WebP, all of
    them (the counts are then over all frames)."""
    summary = report.describe()
    if frames > 1 and every_frame:
        summary += f" (over {frames} frames of an animated picture)"
    elif frames > 1:
        summary += (f" (an animated picture: its first frame of {frames} only; "
                    "choose PNG or WebP for every frame)")
    return {"X-Faces": str(report.faces), "X-Replaced": str(report.replaced),
            "X-Fallbacks": str(report.fallbacks), "X-Blurred": str(report.blurred),
            "X-Kept": str(report.kept), "X-Changed": "1" if report.changed else "0",
            "X-Summary": summary, "X-Seconds": f"{seconds:.3f}", "X-Frames": str(frames)}


def make_handler(pool: AnonymizerPool, cfg: WebConfig) -> type[BaseHTTPRequestHandler]:
    max_bytes = int(cfg.max_upload_mb * 2**20)
    queue = Queue()

    class Handler(BaseHTTPRequestHandler):
        server_version = "id2face"
        timeout = cfg.request_timeout  # seconds a client may stall before its connection is dropped

        def do_GET(self) -> None:  # noqa: N802 - the http.server naming
            path = urlparse(self.path).path
            if path in ("/", "/index.html"):
                self._send(200, PAGE.read_bytes(), "text/html; charset=utf-8")
            elif path == "/api/info":
                info = {"methods": list(pool.methods), "default_method": cfg.default_method,
                        "max_upload_bytes": max_bytes, "formats": list(FORMATS)}
                self._send(200, json.dumps(info).encode(), "application/json")
            elif path == "/api/queue":
                ticket = parse_qs(urlparse(self.path).query).get("ticket", [""])[-1]
                self._send(200, json.dumps({"ahead": queue.ahead(ticket)}).encode(), "application/json")
            else:
                self._error(404, "not found")

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            if url.path != "/api/anonymize":
                self._error(404, "not found")
                return
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self._error(411, "send the photo as the request body with a Content-Length")
                return
            if int(length) > max_bytes:
                # A body up to 4x the limit is read and dropped so the client hears the answer; a
                # bigger one is not read at all and the connection is closed after the answer.
                if int(length) <= 4 * max_bytes:
                    _drain(self.rfile, int(length))
                else:
                    self.close_connection = True
                self._error(413, f"photo larger than {cfg.max_upload_mb:g} MB")
                return
            data = self.rfile.read(int(length))
            t0 = time.perf_counter()
            ticket = parse_qs(url.query).get("ticket", [""])[-1][:64] or f"anon-{id(self)}"
            try:
                method, seed, strength, fmt, name = _options(url.query)
                method = method or cfg.default_method
                frames = frames_in_bytes(data)
                every_frame = frames > 1 and fmt in ANIMATED
                if every_frame:
                    body, report = self._animation(data, name, method, seed, strength, fmt, frames, ticket)
                else:
                    rgb, alpha = decode_photo(data, name, cfg.max_pixels)
                    with queue.enter(ticket):
                        out, report = pool.run(method, rgb, seed, strength)
                    # PNG and WebP keep the upload's transparency
                    body = encode_image(out, FORMATS[fmt][0], alpha=alpha)
            except TooManyPixels as e:
                self._error(400, too_many_pixels(e))
                return
            except TooManyFramePixels as e:
                self._error(400, too_many_frame_pixels(e))
                return
            except (BadRequest, MediaError) as e:
                self._error(400, str(e))
                return
            except FaceAnonymizationError as e:
                self._error(422, f"not written: {e}")
                return
            except FileNotFoundError as e:  # e.g. no ID2Face model installed
                self._error(503, str(e))
                return
            except Exception as e:  # noqa: BLE001 - one line to the client, the server goes on
                self._error(500, f"{type(e).__name__}: {e}")
                return
            headers = result_headers(report, time.perf_counter() - t0, frames, every_frame)
            self._send(200, body, FORMATS[fmt][1], headers)

        def _animation(self, data: bytes, name: str, method: str, seed: int, strength: float, fmt: str,
                       frames: int, ticket: str) -> tuple[bytes, ImageReport]:
            """An animated upload answered as APNG or animated WebP: every frame, its timing kept."""
            if frames > cfg.max_frames:
                limit = cfg.max_frames
                raise BadRequest(f"this animation has {frames} frames; this page takes up to {limit}: "
                                 "shorten it, or run `id2face anonymize`, which takes any length")
            anim = decode_animation(data, name, cfg.max_pixels)
            with queue.enter(ticket):
                outs, report = pool.run_frames(method, anim.frames, seed, strength)
            return encode_animation(anim, outs, FORMATS[fmt][0]), report

        def _send(self, code: int, body: bytes, mime: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, code: int, message: str) -> None:
            self._send(
                code, (message.splitlines()[0] if message else "error").encode(), "text/plain; charset=utf-8"
            )

        def log_error(self, fmt: str, *args) -> None:
            if "timed out" not in fmt:  # a stalled client is routine: one line each would flood the log
                self.log_message(fmt, *args)

        def log_message(self, fmt: str, *args) -> None:  # no client address, no filenames
            command = getattr(self, "command", None)
            if not command:  # a connection that timed out or closed before its request: nothing to say
                return
            print(f"web: {command} {urlparse(self.path).path} -> {args[1] if len(args) > 1 else ''}",
                  file=sys.stderr)

    return Handler


def _drain(stream, n: int, chunk: int = 1 << 16) -> None:
    while n > 0:
        got = stream.read(min(chunk, n))
        if not got:
            return
        n -= len(got)


def make_server(pool: AnonymizerPool, cfg: WebConfig) -> ThreadingHTTPServer:
    """A ready server (port 0 picks a free port: see server.server_address)."""
    return ThreadingHTTPServer((cfg.host, cfg.port), make_handler(pool, cfg))
