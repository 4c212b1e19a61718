"""Shared fixtures. No test reaches the network: `_no_network` makes any outbound connection to a
non-loopback address fail loudly, and adapters get `httpx.MockTransport` fakes."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

LOOPBACK = ("127.", "::1", "localhost")
SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gateways"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not host.startswith(LOOPBACK) and self.family in (socket.AF_INET, socket.AF_INET6):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host  # asyncio passes bytes
        if name is not None and not str(name).startswith(LOOPBACK):
            raise RuntimeError(f"test tried to resolve a public host: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture
def gateway_keys(settings: Any) -> Callable[..., None]:
    """`gateway_keys(groq="k")` sets GATEWAY_KEY_GROQ for the test."""

    def set_keys(**keys: str) -> None:
        settings.GATEWAY_KEYS = {**settings.GATEWAY_KEYS, **{slug.upper().replace("-", "_"): v for slug, v in keys.items()}}

    return set_keys


Handler = Callable[[httpx.Request], httpx.Response]


def json_transport(routes: dict[str, Any] | Handler) -> httpx.MockTransport:
    """A fake upstream: `{path: body_or_callable}` or one handler for every request."""
    if callable(routes):
        return httpx.MockTransport(routes)

    def handler(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path)
        if body is None:
            return httpx.Response(404, json={"error": "not found"})
        if callable(body):
            return body(request)
        if isinstance(body, bytes | str):
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


@pytest.fixture
def samples_dir() -> Iterator[Path]:
    if not SAMPLES.is_dir():
        pytest.skip(f"needs ../shared/samples beside the checkout ({SAMPLES} is absent)")
    yield SAMPLES
