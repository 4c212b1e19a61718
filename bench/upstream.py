"""A fake upstream on 127.0.0.1 that serves generated model lists the way each upstream does.

    python bench/upstream.py --dir var/bench/catalog-20000 [--port 0] [--max-seconds 1800]

Every `<name>.json` in the folder is served under `/<name>/...`: a built-in gateway's body through
its upstream's routes and pagination (`bench.generator.page`), any other body (the generic
stand-ins) at any path ending in `models`. Point a gateway at it with base URL
`http://127.0.0.1:<port>/<name>` followed by the path of the adapter's default base URL. The first
line printed is `listening http://127.0.0.1:<port>`. Loopback only; it stops by itself after
`--max-seconds`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generator import SHAPES, page


class Upstream:
    def __init__(self, bodies: dict[str, Any]) -> None:
        self.bodies = bodies
        self.rendered: dict[str, tuple[int, bytes]] = {}
        self.lock = threading.Lock()
        self.requests = 0

    def respond(self, target: str) -> tuple[int, bytes]:
        with self.lock:
            self.requests += 1
            cached = self.rendered.get(target)
        if cached:
            return cached
        path, _, query = target.partition("?")
        name, _, rest = path.lstrip("/").partition("/")
        body = self.bodies.get(name)
        if body is None:
            status, out = 404, {"error": {"message": f"no upstream named {name!r}"}}
        elif name in SHAPES:
            status, out = page(name, body, "/" + rest, query)
        elif rest.rstrip("/").endswith("models"):
            status, out = 200, body
        else:
            status, out = 404, {"error": {"message": f"no route /{rest}"}}
        rendered = (status, json.dumps(out).encode())
        with self.lock:
            self.rendered[target] = rendered
        return rendered


def serve(folder: Path, *, port: int = 0) -> tuple[ThreadingHTTPServer, Upstream]:
    bodies = {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json")) if path.stem != "manifest"}
    upstream = Upstream(bodies)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            status, body = upstream.respond(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server, upstream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve generated upstream bodies on 127.0.0.1.")
    parser.add_argument("--dir", type=Path, required=True, help="folder of <name>.json bodies (bench/generator.py --out)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop after this long (default %(default)s)")
    args = parser.parse_args(argv)
    server, _ = serve(args.dir, port=args.port)
    print(f"listening http://127.0.0.1:{server.server_address[1]}", flush=True)
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
