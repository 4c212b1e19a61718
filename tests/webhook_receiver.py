"""A real webhook receiver on 127.0.0.1 for tests: an `http.server` in a thread that verifies every
request's signature with the snippet docs/subscribing.md gives subscribers (read from the docs,
so the published snippet is the one proven here), and answers from a script of status codes."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs" / "subscribing.md"


def documented_verifier() -> Callable[..., bool]:
    """`verify_webhook(secret, headers, body)` exactly as docs/subscribing.md prints it."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    (snippet,) = [block for block in blocks if "def verify_webhook" in block]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, str(DOCS), "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["verify_webhook"]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def changes(self) -> list[dict[str, Any]]:
        return json.loads(self.body)["data"]["changes"]


@dataclass
class Receiver:
    """`statuses` are answered in turn (then 200). `secret` is set once the subscription exists."""

    statuses: list[int] = field(default_factory=list)
    secret: str = ""
    received: list[Received] = field(default_factory=list)

    def start(self) -> Receiver:
        verify = documented_verifier()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                verified = bool(receiver.secret) and verify(receiver.secret, self.headers, body)
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, verified, status)
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
