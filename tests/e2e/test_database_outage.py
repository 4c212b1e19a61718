"""The database cannot be reached (PostgreSQL stopped: nothing listens on its port): every read
answers 503 with `Retry-After` in its endpoint's own JSON shape, never a 500 "internal error" nor
Django's HTML page; `/healthz` stays 200 (the process lives) and `/readyz` says 503.

The web process is gunicorn with the project's settings and a DATABASE_URL whose port is closed;
the suite's own database is never touched."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_port, start_web

pytestmark = pytest.mark.e2e


@pytest.fixture
def web_without_database(tmp_path: Path) -> Iterator[str]:
    port, dead_database_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "CELERY_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        CACHE_URL="",
        REDIS_URL="",
        DJANGO_SETTINGS_MODULE="gatewayz_site.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="e2e-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead_database_port}/catalog",
        CELERY_BROKER_FILESYSTEM_DIR=str(tmp_path / "broker"),
    )
    command = [sys.executable, "-m", "gunicorn", "gatewayz_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process, base = start_web(command, port=port, log_path=tmp_path / "web.log", env=env, what="gunicorn")
    yield base
    process.stop()


CATALOG_READS = [
    "/catalog/v1/models?gateway=all&limit=5",
    "/catalog/v1/models/openai/gpt-4o",
    "/catalog/v1/gateways",
    "/catalog/v1/providers",
    "/catalog/v1/changes",
    "/v1/models",
    "/models",
]
SYSTEM_READS = ["/health/gateways", "/health/gateways/groq"]


def test_reads_answer_503_with_retry_after_while_the_database_is_down(web_without_database: str) -> None:
    base = web_without_database
    for path in CATALOG_READS:
        response = httpx.get(base + path, timeout=30)
        assert (response.status_code, response.headers["Retry-After"]) == (503, "10"), (path, response.text[:300])
        assert response.headers["Content-Type"].startswith("application/json"), path
        assert response.json()["error"] == {
            "message": "the catalog's database is unavailable; retry shortly",
            "type": "api_error",
            "param": None,
            "code": "service_unavailable",
        }, path
    for path in SYSTEM_READS:
        response = httpx.get(base + path, timeout=30)
        assert (response.status_code, response.headers["Retry-After"]) == (503, "10"), (path, response.text[:300])
        assert response.json() == {"detail": "the database is unavailable; retry shortly"}, path

    assert httpx.get(base + "/healthz", timeout=30).status_code == 200
    assert httpx.get(base + "/readyz", timeout=30).status_code == 503
