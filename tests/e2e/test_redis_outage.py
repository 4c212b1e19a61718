"""Redis (broker and response cache) stops, or hangs, while the web process runs: `GET
/catalog/v1/models` still answers, from the database, with the same models; the stale read's refresh
is left for the next tick. A hung Redis costs one blocked call per outage window, not one per
request (`catalog.short_circuit`).

The test starts its own redis-server on a free port and stops that one; the shared Redis is never
touched. The web process is `manage.py runserver` with the project's settings, from the environment.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from gateways.models import Gateway

from .conftest import SLUG, Process, database_url, free_port, seed_catalog, start_web, wait_for
from .upstream import KEY, FakeUpstream

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def web(own_redis: tuple[Process, int], tmp_path: Path) -> Iterator[tuple[Process, str]]:
    _, redis_port = own_redis
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "CELERY_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        CACHE_URL="",  # REDIS_URL below is the cache
        DJANGO_SETTINGS_MODULE="gatewayz_site.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="e2e-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/1",
        CELERY_BROKER_SOCKET_TIMEOUT="1",
        OUTAGE_RETRY_SECONDS="600",  # one window covers the whole test
        GATEWAY_ALLOW_PRIVATE_HOSTS="true",
        # Each stale read asks for its refresh (by default a process asks once per 30 s): the
        # asks made during the outage are what these tests follow.
        GATEWAY_STALE_REFRESH_ASK_SECONDS="0",
        **{f"GATEWAY_KEY_{SLUG.upper()}": KEY},
    )
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    process, base = start_web(command, port=port, log_path=tmp_path / "web.log", env=env, what="the web process")
    yield process, base
    process.stop()


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The response without what changes from one second to the next."""
    body = {k: v for k, v in body.items() if k != "timestamp"}
    body["freshness"] = {
        slug: {k: v for k, v in entry.items() if k != "age_seconds"} for slug, entry in body["freshness"].items()
    }
    return body


def test_catalog_reads_answer_from_the_database_while_redis_is_down(
    fake_gateway: Gateway, upstream: FakeUpstream, own_redis: tuple[Process, int], web: tuple[Process, str]
) -> None:
    redis_server, redis_port = own_redis
    web_process, base = web
    seed_catalog(fake_gateway, upstream)  # ten models, older than the stale window
    url = f"{base}/catalog/v1/models?gateway={SLUG}"
    broker = redis.Redis(port=redis_port, db=0)

    first = httpx.get(url, timeout=30)
    assert first.status_code == 200
    payload: dict[str, Any] = first.json()
    assert [m["id"] for m in payload["data"]] == [f"acme/model-{i:02d}" for i in range(1, 11)]
    assert {k: v for k, v in payload["freshness"][SLUG].items() if k != "age_seconds"} == {
        "gateway": SLUG,
        "status": "stale",
        "stale": True,
        "last_success_at": fake_gateway.last_success_at.isoformat(),
    }
    wait_for(lambda: broker.llen("celery") == 1, what="the stale read to queue one refresh", log=web_process.log)
    assert redis.Redis(port=redis_port, db=1).keys("*catalog:resp:*")  # the response went to the cache
    fake_gateway.refresh_from_db()
    assert fake_gateway.refresh_queued_at is not None

    redis_server.stop()
    # As if that refresh had run and failed: the next stale read wants to queue another one.
    Gateway.objects.filter(pk=fake_gateway.pk).update(refresh_queued_at=None)

    during = httpx.get(url, timeout=30)
    assert during.status_code == 200
    assert comparable(during.json()) == comparable(payload)
    wait_for(
        lambda: Gateway.objects.filter(pk=fake_gateway.pk, refresh_requested=True).exists(),
        what="the failed enqueue to leave the gateway requested for the next tick",
        log=web_process.log,
    )
    assert web_process.running()
    fake_gateway.refresh_from_db()
    assert fake_gateway.refresh_queued_at is None
    log = web_process.log()
    assert "could not queue a refresh" in log
    assert "response cache unavailable" in log
    assert upstream.request_count == 0  # nothing fetched upstream on the request path


def test_a_hung_redis_costs_one_blocked_call_per_outage_window_not_one_per_request(
    fake_gateway: Gateway, upstream: FakeUpstream, own_redis: tuple[Process, int], web: tuple[Process, str]
) -> None:
    redis_server, redis_port = own_redis
    web_process, base = web
    seed_catalog(fake_gateway, upstream)  # stale: each read wants a refresh queued
    token = Token.objects.create(user=User.objects.create_superuser("ops", "ops@example.com", "pw")).key
    url = f"{base}/catalog/v1/models?gateway={SLUG}"
    assert httpx.get(url, timeout=30).status_code == 200  # warm: the broker and cache connections are open
    # Its refresh is queued after the response was sent: wait for it before undoing its queue mark.
    broker = redis.Redis(port=redis_port, db=0)
    wait_for(lambda: broker.llen("celery") == 1, what="the warm read to queue its refresh", log=web_process.log)
    Gateway.objects.filter(pk=fake_gateway.pk).update(refresh_queued_at=None)

    os.kill(redis_server.process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        reads = [httpx.get(url, timeout=60) for _ in range(8)]
        # The first stale read's refresh is sent after its response, and waits for the broker.
        wait_for(lambda: "could not queue a refresh" in web_process.log(), what="the publish to fail", log=web_process.log)
        refreshes = [httpx.post(f"{base}/cache/refresh/{SLUG}", headers={"Authorization": f"Token {token}"}, timeout=60)]
        refreshes.append(httpx.post(f"{base}/cache/refresh", headers={"Authorization": f"Token {token}"}, timeout=60))
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)

    assert [r.status_code for r in reads] == [200] * 8
    assert {len(r.json()["data"]) for r in reads} == {10}
    assert [(r.status_code, r.headers.get("Retry-After")) for r in refreshes] == [(503, "60")] * 2, [r.text for r in refreshes]
    assert refreshes[0].json()["status"] == "failed"
    log = web_process.log()
    # Each line is one call that waited for its timeout; every other call failed at once.
    assert log.count("response cache unavailable (") == 1, log
    assert log.count("broker unavailable (") == 1, log
    assert log.count("could not queue a refresh") == 3, log  # the stale read's, then both refreshes at once
