"""gatewayz_site/site_middleware.py: public reads skip the session, authentication and messages
middleware; the admin, writes, staff endpoints and signed-in requests keep them; Django's checks
pass without silencing anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions_opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths of the requests Django's session middleware handled (the authentication and
    messages middleware handled exactly the same ones: checked here)."""
    handled: dict[type, list[str]] = {}
    for middleware in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware):
        handled[middleware] = []

        def process_request(
            self: Any, request: Any, real: Any = middleware.process_request, seen: list[str] = handled[middleware]
        ) -> None:
            seen.append(request.path)
            real(self, request)

        monkeypatch.setattr(middleware, "process_request", process_request)
    opened = handled[SessionMiddleware]
    yield opened
    assert handled[AuthenticationMiddleware] == handled[MessageMiddleware] == opened


@pytest.mark.parametrize("path", ["/catalog/v1/models", "/v1/models", "/models", "/catalog/v1/providers", "/healthz", "/readyz"])
def test_a_public_read_does_not_touch_the_session(client: Client, sessions_opened: list[str], path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 503)
    assert sessions_opened == []
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")
    assert not hasattr(response.wsgi_request, "session")


@pytest.mark.parametrize("path", ["/admin/login/", "/catalog/v1/webhooks", "/metrics", "/health/gateways"])
def test_other_paths_keep_the_middleware(client: Client, sessions_opened: list[str], path: str) -> None:
    client.get(path)
    assert sessions_opened == [path]


def test_a_write_under_a_public_prefix_keeps_the_middleware(client: Client, sessions_opened: list[str]) -> None:
    client.post("/catalog/v1/models")
    assert sessions_opened == ["/catalog/v1/models"]


def test_the_admin_signs_in_and_a_signed_in_read_is_recognised(client: Client, sessions_opened: list[str]) -> None:
    get_user_model().objects.create_user("ops", password="pw-123-long", is_staff=True, is_superuser=True)
    login = client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "ops", "password": "pw-123-long", "csrfmiddlewaretoken": login.cookies["csrftoken"].value},
        HTTP_COOKIE=f"csrftoken={login.cookies['csrftoken'].value}",
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    read = client.get("/catalog/v1/models")  # with the session cookie: the middleware runs
    assert read.status_code == 200
    assert read.wsgi_request.user.is_staff


def test_checks_pass_with_nothing_silenced(settings: Any) -> None:
    assert settings.SILENCED_SYSTEM_CHECKS == []
    call_command("check", fail_level="WARNING")
