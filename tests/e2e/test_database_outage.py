"""The database cannot be reached (PostgreSQL stopped: nothing listens on its port): every read
answers 503 with `Retry-After` in its endpoint's own JSON shape, never a 500 "internal error" nor
Django's HTML page; `/healthz` stays 200 (the process lives) and `/readyz` says 503. A page the
response cache still holds is served from it, marked stale (stale-if-error, `catalog.outage`).

The web process is gunicorn with the project's settings, on a DATABASE_URL whose port is closed or
on a PostgreSQL of the test's own that it stops and starts; the suite's own database is never
touched."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import PrivatePostgres, free_port, start_web

pytestmark = pytest.mark.e2e


def web_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The project's settings on `database_url`, with the default per-process response cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "CELERY_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        CACHE_URL="",
        REDIS_URL="",
        DJANGO_SETTINGS_MODULE="gatewayz_site.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="e2e-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        CELERY_BROKER_FILESYSTEM_DIR=str(tmp_path / "broker"),
    )
    return env


def gunicorn(port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "gatewayz_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]


@pytest.fixture
def web_without_database(tmp_path: Path) -> Iterator[str]:
    port, dead_database_port = free_port(), free_port()
    env = web_env(tmp_path, f"postgres://postgres@127.0.0.1:{dead_database_port}/catalog")
    process, base = start_web(gunicorn(port), port=port, log_path=tmp_path / "web.log", env=env, what="gunicorn")
    yield base
    process.stop()


CATALOG_READS = [
    "/catalog/v1/models?gateway=all&limit=5",
    "/catalog/v1/models/openai/gpt-4o",
    "/catalog/v1/gateways",
    "/catalog/v1/providers",
    "/catalog/v1/changes",
    "/catalog/v1/deprecations",
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


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Pages a client read while the database was up (so this process's response cache holds them).
HELD = [
    "/catalog/v1/models?gateway=openrouter&limit=2",
    "/catalog/v1/models?gateway=all",
    "/v1/models",
    "/catalog/v1/providers",
    "/catalog/v1/changes?gateway=openrouter",
    "/catalog/v1/deprecations",
]
# Reads that need the database itself: a page never read, one model, the system endpoints.
NOT_HELD = ["/catalog/v1/models?gateway=openrouter&limit=2&offset=1", "/catalog/v1/models/example/chat-small"]


def test_pages_the_cache_holds_are_served_marked_stale_while_the_database_is_down(
    own_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    env = web_env(tmp_path, own_postgres.url)
    env["CATALOG_STATE_SECONDS"] = "0"  # no per-second copy: every read asks the database first
    manage(env, "migrate", "--noinput")
    manage(env, "import_catalog", "openrouter", "docs/examples/openrouter-models.json", "--force")
    port = free_port()
    process, base = start_web(gunicorn(port), port=port, log_path=tmp_path / "web.log", env=env, what="gunicorn")
    try:
        before = {path: httpx.get(base + path, timeout=30) for path in HELD}
        assert {path: r.status_code for path, r in before.items()} == dict.fromkeys(HELD, 200)
        assert [m["id"] for m in before[HELD[0]].json()["data"]] == ["example/chat-small", "example/chat-small:free"]

        own_postgres.stop()
        during = {path: httpx.get(base + path, timeout=30) for path in HELD}
        for path, response in during.items():
            assert response.status_code == 200, (path, response.text[:300])
            assert response.headers["X-Catalog-Stale"] == "database-unavailable", path
            assert response.headers["Cache-Control"] == "public, max-age=0, stale-if-error=86400", path
            body, earlier = response.json(), before[path].json()
            assert body["data"] == earlier["data"], path
            assert {k: v for k, v in body.items() if k not in ("data", "timestamp", "note", "freshness")} == {
                k: v for k, v in earlier.items() if k not in ("data", "timestamp", "note", "freshness")
            }, path
        assert during[HELD[0]].json()["note"].startswith("The catalog's database is unavailable: this is the last copy")
        assert "X-Catalog-Stale" not in before[HELD[0]].headers
        for path in NOT_HELD:
            response = httpx.get(base + path, timeout=30)
            assert (response.status_code, response.headers["Retry-After"]) == (503, "10"), (path, response.text[:300])
            assert response.json()["error"]["code"] == "service_unavailable", path
        health = httpx.get(base + "/health/gateways", timeout=30)
        assert (health.status_code, health.json()) == (503, {"detail": "the database is unavailable; retry shortly"})
        assert httpx.get(base + "/readyz", timeout=30).status_code == 503
        # One line per outage window, not one per stale read.
        assert process.log().count("catalog database unavailable (OperationalError); serving the last") == 1, process.log()

        own_postgres.start()
        after = httpx.get(base + HELD[0], timeout=30)
        assert after.status_code == 200
        assert "X-Catalog-Stale" not in after.headers
        assert after.headers["Cache-Control"].startswith("public, max-age=60")
        assert httpx.get(base + NOT_HELD[0], timeout=30).status_code == 200
        assert httpx.get(base + "/readyz", timeout=30).status_code == 200
    finally:
        process.stop()
