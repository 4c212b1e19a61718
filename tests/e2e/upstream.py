"""A fake upstream gateway: a real HTTP server on 127.0.0.1, in a thread of the test process.

It serves `GET /v1/models` the way the test tells it to (`upstream.reply = ...`): a model list,
an error status, a response that never comes, a slow drip, a gzip bomb, a redirect. It counts the
requests it received, so a test can tell how many attempts reached the upstream.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[["Handler"], None]
KEY = "sk-e2e-secret-key-0123456789"  # GATEWAY_KEY_<SLUG> of the fake gateway; never to be seen in a message


def model_item(index: int, *, price: str = "0.000001") -> dict[str, Any]:
    return {
        "id": f"acme/model-{index:02d}",
        "object": "model",
        "created": 1_700_000_000 + index,
        "owned_by": "acme",
        "context_length": 8192 * index,
        "pricing": {"prompt": price, "completion": "0.000002"},
    }


def models_body(count: int, *, price: str = "0.000001") -> bytes:
    return json.dumps({"object": "list", "data": [model_item(i, price=price) for i in range(1, count + 1)]}).encode()


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        upstream = self.server.upstream
        with upstream.lock:
            upstream.requests.append((self.path, self.headers.get("Authorization", "")))
        upstream.request_seen.set()
        try:
            upstream.reply(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (deadline, byte cap): that is the point of several replies

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        merged = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
        pass


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: FakeUpstream


class FakeUpstream:
    def __init__(self) -> None:
        self.server = FakeServer(("127.0.0.1", 0), Handler)
        self.server.upstream = self
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.request_seen = threading.Event()
        self.release = threading.Event()  # lets held responses go (and ends them at stop)
        self.reply: Reply = models(10)
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-upstream", daemon=True)

    def start(self) -> FakeUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def request_count(self) -> int:
        with self.lock:
            return len(self.requests)

    def reset_requests(self) -> None:
        with self.lock:
            self.requests.clear()
        self.request_seen.clear()


# --- replies ------------------------------------------------------------------------------------


def models(count: int, *, price: str = "0.000001") -> Reply:
    return raw(200, models_body(count, price=price))


def raw(status: int, body: bytes, headers: dict[str, str] | None = None) -> Reply:
    def reply(handler: Handler) -> None:
        handler.send(status, body, headers)

    return reply


def echo_key_401() -> Reply:
    """401 whose body repeats the key it was sent, as some upstreams do."""

    def reply(handler: Handler) -> None:
        sent = handler.headers.get("Authorization", "")
        handler.send(401, json.dumps({"error": f"invalid api key: {sent}"}).encode())

    return reply


def never_answers(*, seconds: float = 120.0) -> Reply:
    """Accept the request, then say nothing until released (or `seconds` pass)."""

    def reply(handler: Handler) -> None:
        handler.server.upstream.release.wait(seconds)

    return reply


def hold_then(then: Reply, *, seconds: float = 120.0) -> Reply:
    """Hold the response until released, then answer with `then` (if anyone still listens)."""

    def reply(handler: Handler) -> None:
        handler.server.upstream.release.wait(seconds)
        then(handler)

    return reply


def drip(*, total_bytes: int = 2000, every: float = 0.05) -> Reply:
    """A 200 whose body arrives one byte at a time, far slower than any deadline."""

    def reply(handler: Handler) -> None:
        body = models_body(40)[:total_bytes]
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for index in range(len(body)):
            if handler.server.upstream.release.is_set():
                return
            handler.wfile.write(body[index : index + 1])
            handler.wfile.flush()
            time.sleep(every)

    return reply


def cut_short() -> Reply:
    """A 200 that announces its whole length, sends half of the body and closes the connection."""

    def reply(handler: Handler) -> None:
        body = models_body(10)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.close_connection = True

    return reply


def gzip_bomb(*, expanded_bytes: int = 4 * 1024 * 1024) -> Reply:
    """A small gzip body that inflates far past the byte cap."""
    body = gzip.compress(b"[" + b" " * expanded_bytes + b"]", compresslevel=9)
    return raw(200, body, {"Content-Encoding": "gzip"})


def redirect_to(location: str) -> Reply:
    return raw(302, b"", {"Location": location})
