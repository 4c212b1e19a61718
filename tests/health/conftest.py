"""Fixtures for the admin, dashboard and system-endpoint tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog.tasks import rebuild_merged_catalog
from gateways.models import Gateway
from gateways.tasks import refresh_gateway


@dataclass
class QueuedTasks:
    """Calls to the tasks' `.delay`, recorded instead of reaching a broker."""

    refreshes: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    rebuilds: int = 0

    @property
    def refreshed_ids(self) -> list[int]:
        return [args[0] for args, _ in self.refreshes]


@pytest.fixture
def queued_tasks(monkeypatch: pytest.MonkeyPatch) -> QueuedTasks:
    queued = QueuedTasks()

    def record_refresh(*args: Any, **kwargs: Any) -> None:
        queued.refreshes.append((args, kwargs))

    def record_rebuild(*args: Any, **kwargs: Any) -> None:
        queued.rebuilds += 1

    monkeypatch.setattr(refresh_gateway, "delay", record_refresh)
    monkeypatch.setattr(rebuild_merged_catalog, "delay", record_rebuild)
    return queued


@pytest.fixture
def no_builtin_gateways(db: None) -> None:
    """Start from an empty gateway table (the data migration creates the built-in ones)."""
    Gateway.objects.all().delete()


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.com", None)  # force_login: no slow hashing


@pytest.fixture
def staff_viewer(db: None) -> User:
    """Staff, may view gateways but not change them."""
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_gateway"))
    return user


@pytest.fixture
def plain_user(db: None) -> User:
    return User.objects.create_user("plain")


@pytest.fixture
def admin_client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def csrf_admin_client(superuser: User) -> Iterator[Client]:
    """A logged-in superuser whose POSTs must carry the CSRF token, as a browser's do."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    yield client


def csrf_token(client: Client, url: str = "/admin/") -> str:
    """Load a page so the CSRF cookie is set, and return the token a form would post."""
    client.get(url)
    return client.cookies["csrftoken"].value


@pytest.fixture
def staff_token(superuser: User) -> str:
    return Token.objects.create(user=superuser).key


@pytest.fixture
def plain_token(plain_user: User) -> str:
    return Token.objects.create(user=plain_user).key


class LoopbackUpstream:
    """A real HTTP server on 127.0.0.1 answering `routes[path] = (status, json_body)`."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any]] = {}
        self.requests: list[dict[str, str]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path = self.path.split("?", 1)[0]
                upstream.requests.append({"path": path, "authorization": self.headers.get("Authorization", "")})
                status, body = upstream.routes.get(path, (404, {"error": "not found"}))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_upstream() -> Iterator[LoopbackUpstream]:
    upstream = LoopbackUpstream()
    yield upstream
    upstream.close()
