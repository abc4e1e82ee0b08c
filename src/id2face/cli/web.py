"""`id2face web`: a local page to anonymize photos in the browser (upload, pick a method, download)."""

from __future__ import annotations

import argparse
import sys

from id2face.cli.options import add_model_arguments, add_runtime_arguments, runtime_options
from id2face.methods.registry import default_method

EPILOG = """examples:
  id2face web                           # http://127.0.0.1:7860, the bundled model
  id2face web --model runs/tiny/model --device cuda
  id2face web --host 0.0.0.0 --port 80  # reachable from other machines: put it behind your own auth
Nothing is stored: uploads stay in memory and results carry no metadata.
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860; 0 picks a free one)")
    add_model_arguments(p)
    p.add_argument(
        "--max-upload-mb", type=float, default=50.0, help="largest photo accepted (default: 50 MB)"
    )
    p.add_argument("--max-pixels", type=int, default=60_000_000,
                   help="refuse photos larger than this, an animation's frames counted together "
                        "(default: 60_000_000)")
    p.add_argument("--max-frames", type=int, default=300,
                   help="refuse animated uploads (GIF, WebP, APNG) with more frames; each frame is a "
                        "photo's work (default: 300)")
    p.add_argument("--on-error", choices=["fail", "blur"], default="fail",
                   help="a face the method cannot anonymize fails the request (default) or is blurred")
    add_runtime_arguments(p)


def run(args: argparse.Namespace) -> int:
    # here, not at the top: `id2face --help` imports every subcommand's module
    from id2face.anonymizer import Anonymizer
    from id2face.web.server import AnonymizerPool, WebConfig, make_server

    runtime = runtime_options(args)
    default = default_method(args.model)

    def factory(method: str) -> Anonymizer:
        return Anonymizer(method=method, model=args.model, on_error=args.on_error, device=args.device,
                          steps=args.steps, max_pixels=args.max_pixels, **runtime)

    cfg = WebConfig(
        host=args.host,
        port=args.port,
        max_upload_mb=args.max_upload_mb,
        max_pixels=args.max_pixels,
        max_frames=args.max_frames,
        default_method=default,
    )
    pool = AnonymizerPool(factory)
    try:
        pool.warm(default)  # load the model before the first visitor waits for it
        server = make_server(pool, cfg)
    except (FileNotFoundError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"id2face web: http://{host}:{port}  (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print("note: reachable from other machines; the page has no login of its own", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
