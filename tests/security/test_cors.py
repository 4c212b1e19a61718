"""CORS (docs/security.md, "Cross-origin reads"): the catalog's read endpoints answer a browser page
on another origin, for GET/HEAD and their preflight, without credentials; the admin, health, cache
and system endpoints never do. `CATALOG_CORS_ORIGINS` narrows the origins."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("builtin_gateways")]

ORIGIN = "https://models.example.org"
READS = [
    "/v1/models?limit=5",
    "/v1/models/openai/gpt-4o",
    "/models",
    "/catalog/v1/models?limit=5",
    "/catalog/v1/models/openai/gpt-4o",
    "/catalog/v1/providers",
    "/catalog/v1/gateways",
    "/catalog/v1/changes",
    "/catalog/v1/deprecations",
]
NEVER = ["/admin/login/", "/healthz", "/readyz", "/metrics", "/health/gateways", "/cache/status", "/api/schema/"]


@pytest.mark.parametrize("path", READS)
def test_a_catalog_read_answers_any_origin_without_credentials(path: str) -> None:
    response = Client().get(path, HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "retry-after", "x-request-id", "deprecation", "sunset"} <= exposed


@pytest.mark.parametrize("path", NEVER)
def test_admin_health_cache_and_system_endpoints_never_answer_cors(path: str) -> None:
    response = Client().get(path, HTTP_ORIGIN=ORIGIN)
    assert not any(name.lower().startswith("access-control-") for name in response.headers), dict(response.headers)


def test_a_preflight_for_a_read_allows_get_and_head_only() -> None:
    response = Client().options(
        "/v1/models",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    assert "if-none-match" in response["Access-Control-Allow-Headers"]


def test_a_preflight_for_a_staff_write_is_not_answered() -> None:
    response = Client().options("/cache/refresh/groq", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in response


def test_a_throttled_read_still_carries_cors_so_the_page_can_read_retry_after(settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "1/min"}}
    client = Client()
    client.get("/v1/models?limit=1", HTTP_ORIGIN=ORIGIN, REMOTE_ADDR="203.0.113.70")
    response = client.get("/v1/models?limit=1", HTTP_ORIGIN=ORIGIN, REMOTE_ADDR="203.0.113.70")
    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Retry-After"]


@pytest.mark.parametrize(
    ("configured", "allow_all", "allowed"),
    [
        ("", True, []),
        ("*", True, []),
        ("https://a.example,https://b.example", False, ["https://a.example", "https://b.example"]),
    ],
)
def test_catalog_cors_origins_setting(
    monkeypatch: pytest.MonkeyPatch, configured: str, allow_all: bool, allowed: list[str]
) -> None:
    import gatewayz_site.settings as site_settings

    monkeypatch.setenv("CATALOG_CORS_ORIGINS", configured)
    monkeypatch.setenv("DJANGO_DEBUG", "true")
    try:
        reloaded = importlib.reload(site_settings)
        assert (reloaded.CORS_ALLOW_ALL_ORIGINS, reloaded.CORS_ALLOWED_ORIGINS) == (allow_all, allowed)
    finally:
        monkeypatch.undo()
        importlib.reload(site_settings)


def test_configured_origins_answer_only_those_origins(settings: Any) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = ["https://a.example"]
    allowed = Client().get("/v1/models?limit=1", HTTP_ORIGIN="https://a.example")
    other = Client().get("/v1/models?limit=1", HTTP_ORIGIN="https://evil.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://a.example"
    assert "origin" in allowed["Vary"].lower()  # caches keep one answer per origin
    assert "Access-Control-Allow-Origin" not in other
    assert other.status_code == 200  # CORS only tells the browser; the read itself is public
