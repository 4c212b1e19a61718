"""Redis (broker and response cache) stops while the web process runs: catalog reads still answer,
from the database, with the same payload; the stale read's refresh is left for the next tick.

The test starts its own redis-server on a free port and stops that one; the shared Redis is never
touched. The web process is `manage.py runserver` with `tests.e2e.web_settings` (the project's
settings plus one catalog read, as the REST API, built elsewhere, will make it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from gateways.models import Gateway

from .conftest import REPO, SLUG, database_url, seed_catalog, wait_for
from .upstream import KEY, FakeUpstream

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    def __init__(self, command: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[Process, int]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: this test starts its own Redis and stops it to prove that catalog "
            "reads survive a Redis outage. Install it (apt-get install redis-server)."
        )
    port = free_port()
    server = Process(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        tmp_path / "redis.log",
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for(answers, what="our redis-server", timeout=20, log=server.log)
    yield server, port
    server.stop()


@pytest.fixture
def web(own_redis: tuple[Process, int], tmp_path: Path) -> Iterator[tuple[Process, str]]:
    _, redis_port = own_redis
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "CELERY_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        CACHE_URL="",  # REDIS_URL below is the cache
        DJANGO_SETTINGS_MODULE="tests.e2e.web_settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="e2e-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/1",
        GATEWAY_ALLOW_PRIVATE_HOSTS="true",
        **{f"GATEWAY_KEY_{SLUG.upper()}": KEY},
    )
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    process = Process(command, tmp_path / "web.log", env)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(up, what="the web process", timeout=30, log=process.log)
    yield process, base
    process.stop()


def test_catalog_reads_answer_from_the_database_while_redis_is_down(
    fake_gateway: Gateway, upstream: FakeUpstream, own_redis: tuple[Process, int], web: tuple[Process, str]
) -> None:
    redis_server, redis_port = own_redis
    web_process, base = web
    seed_catalog(fake_gateway, upstream)  # ten models, older than the stale window
    url = f"{base}/e2e/catalog/{SLUG}"

    first = httpx.get(url, timeout=30)
    assert first.status_code == 200
    payload: dict[str, Any] = first.json()
    assert [m["id"] for m in payload["data"]] == [f"acme/model-{i:02d}" for i in range(1, 11)]
    assert [(f["gateway"], f["stale"], f["status"]) for f in payload["freshness"]] == [(SLUG, True, "stale")]
    broker = redis.Redis(port=redis_port, db=0)
    assert broker.llen("celery") == 1  # the stale read queued one refresh
    assert redis.Redis(port=redis_port, db=1).keys("*catalog:resp:*")  # and the response was cached
    fake_gateway.refresh_from_db()
    assert fake_gateway.refresh_queued_at is not None

    redis_server.stop()
    # As if that refresh had run and failed: the next stale read wants to queue another one.
    Gateway.objects.filter(pk=fake_gateway.pk).update(refresh_queued_at=None)

    during = httpx.get(url, timeout=30)
    assert during.status_code == 200
    answer = during.json()
    assert answer["data"] == payload["data"]
    for freshness in (answer["freshness"], payload["freshness"]):
        for entry in freshness:
            entry.pop("age_seconds")  # a second may have passed between the reads
    assert answer["freshness"] == payload["freshness"]
    assert web_process.running()
    fake_gateway.refresh_from_db()
    assert (fake_gateway.refresh_queued_at, fake_gateway.refresh_requested) == (None, True)  # the next tick queues it
    log = web_process.log()
    assert "could not queue a refresh" in log
    assert "response cache unavailable" in log
    assert upstream.request_count == 0  # nothing fetched upstream on the request path
