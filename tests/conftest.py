"""Shared fixtures. No test reaches the network: `_no_network` makes any outbound connection to a
non-loopback address fail loudly, and adapters get `httpx.MockTransport` fakes."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

LOOPBACK = ("127.", "::1", "localhost")
REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "gateways"


def required_options(kind: str) -> dict[str, Any]:
    """The options a gateway of `kind` cannot be fetched without (Cloudflare's account id), as its
    fixtures state them (`<scenario>.options.json`); {} for a kind that needs none."""
    from gateways.registry import registered_kinds

    if not registered_kinds()[kind].path_options():
        return {}
    path = next(iter(sorted((FIXTURES / kind).glob("*.options.json"))))
    return json.loads(path.read_text())


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_the_apps() -> Iterator[None]:
    """The suite's own process serves static files as development does, from the apps' folders: it
    never runs collectstatic, and production's manifest storage refuses a name it has not collected
    (Django's advice for manifest storage in tests). tests/test_static_files.py and the gunicorn test
    prove production's storage after a real collectstatic."""
    from django.conf import settings
    from django.test.utils import override_settings

    development = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=development, WHITENOISE_USE_FINDERS=True):
        yield


@pytest.fixture(autouse=True)
def _forget_process_state() -> Iterator[None]:
    """What a process remembers between reads (catalog.snapshot, the recent response-cache
    entries, the short circuits of the cache and the broker) must not carry one test's catalog or
    outage into the next: versions restart in every test."""
    from catalog import cache, responses, snapshot
    from catalog.cache_backend import CIRCUIT
    from gateways.scheduling import BROKER
    from gateways.stale_asks import ASKS

    def forget() -> None:
        ASKS.clear()
        responses._REVALIDATIONS.clear()
        snapshot.clear()
        snapshot.forget_last_known()
        cache._recent.clear()
        for circuit in (CIRCUIT, BROKER):
            circuit.open_until, circuit.blocked_calls = 0.0, 0

    forget()
    yield
    forget()


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
def gateway_keys(settings: Any, request: pytest.FixtureRequest) -> Callable[..., None]:
    """`gateway_keys(groq="k")` sets GATEWAY_KEY_GROQ for the test. With a database, the gateways'
    catalog records are re-written at once, as the scheduler's next tick would."""

    def set_keys(**keys: str) -> None:
        settings.GATEWAY_KEYS = {**settings.GATEWAY_KEYS, **{slug.upper().replace("-", "_"): v for slug, v in keys.items()}}
        if {"db", "transactional_db"} & set(request.fixturenames):
            from gateways.models import Gateway

            Gateway.objects.sync_sources()

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


class FakeUpstream:
    """A real HTTP server on 127.0.0.1 for integration tests. `routes[path] = (status, body, headers)`."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.routes: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                upstream.requests.append((self.path, dict(self.headers)))
                status, body, headers = upstream.routes.get(path, (404, b'{"error": "not found"}', {}))
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self, path: str, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        import json as _json

        self.routes[path] = (status, _json.dumps(body).encode(), headers or {})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_upstream() -> Iterator[FakeUpstream]:
    upstream = FakeUpstream()
    yield upstream
    upstream.close()


@pytest.fixture
def builtin_gateways(transactional_db: Any) -> None:
    """The built-in gateway rows, for transactional tests (`gateways.builtins`, as `migrate` does)."""
    from gateways.builtins import seed_builtins

    seed_builtins()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Real headless Chromium (tests/browser.py); fails, never skips, when it is not installed."""
    from tests.browser import chromium, missing

    if reason := missing():
        pytest.fail(reason)
    monkeypatch.setenv("SE_OFFLINE", "true")  # belt and braces: Selenium Manager must never download
    with chromium(tmp_path / "chromium-profile") as driver:
        yield driver
