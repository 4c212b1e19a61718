"""The web processes as production runs them: `collectstatic`, then `gunicorn -c
gatewayz_site/gunicorn.conf.py` with two worker processes on 127.0.0.1, against the test database.

- The repository's config serves: `/healthz` answers, the admin's stylesheet is served under its
  hashed name and gzip-compressed, and gunicorn's access lines are JSON with the worker's pid.
- Request metrics are summed across the workers (`PROMETHEUS_MULTIPROC_DIR`): requests that landed on
  both workers (by the pid in the access log) are all counted by one scrape, also after a worker
  was replaced."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import REPO, Process, database_url, free_port, start_web, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET_KEY = "e2e-secret-key-not-for-production-0123456789"
METRICS_TOKEN = "e2e-metrics-token-0123456789"
GATEWAYS = "/catalog/v1/gateways"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Process, str]]:
    port = free_port()
    own = ("GATEWAY_", "CELERY_", "DATABASE_URL", "DJANGO_", "GUNICORN_", "WEB_CONCURRENCY", "PROMETHEUS_", "LOG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update(
        CACHE_URL="",
        REDIS_URL="",
        DJANGO_SETTINGS_MODULE="gatewayz_site.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=database_url(),
        CELERY_BROKER_FILESYSTEM_DIR=str(tmp_path / "broker"),
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_FORMAT="json",
    )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr[-3000:]
    command = [sys.executable, "-m", "gunicorn", "-c", "gatewayz_site/gunicorn.conf.py"]
    process, base = start_web(command, port=port, log_path=tmp_path / "gunicorn.log", env=env, what="gunicorn")
    wait_for(lambda: len(booted_workers(process)) == 2, what="two gunicorn workers", log=process.log)
    yield process, base
    process.stop()


def booted_workers(process: Process) -> list[int]:
    return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", process.log())]


def access_lines(process: Process) -> list[dict[str, Any]]:
    lines = (json.loads(line) for line in process.log().splitlines() if line.startswith("{"))
    return [line for line in lines if line["logger"] == "gunicorn.access"]


def requests_counted(base: str) -> dict[tuple[str, str, str], float]:
    response = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    assert response.status_code == 200, response.text[:300]
    return {
        (sample.labels["endpoint"], sample.labels["method"], sample.labels["status"]): sample.value
        for family in text_string_to_metric_families(response.text)
        if family.name == "gatewayz_catalog_requests"
        for sample in family.samples
        if sample.name == "gatewayz_catalog_requests_total"
    }


def test_gunicorn_serves_with_the_repository_config(web: tuple[Process, str]) -> None:
    process, base = web

    assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
    login = httpx.get(f"{base}/admin/login/", timeout=30)
    assert login.status_code == 200
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, login.text[:2000]
    css = httpx.get(base + stylesheet.group(1), headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert (css.status_code, css.headers["Content-Encoding"]) == (200, "gzip")

    wait_for(lambda: any(line["path"] == "/healthz" for line in access_lines(process)), what="the access line")
    line = next(line for line in access_lines(process) if line["path"] == "/healthz")
    assert {k: line[k] for k in ("level", "message", "method", "path", "status", "bytes")} == {
        "level": "INFO",
        "message": "request",
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "bytes": 16,
    }
    assert line["pid"] in booted_workers(process)
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert SECRET_KEY not in process.log() and METRICS_TOKEN not in process.log()


def test_request_metrics_are_summed_across_the_workers(web: tuple[Process, str]) -> None:
    process, base = web

    def get(_: int) -> int:
        return httpx.get(base + GATEWAYS, timeout=30).status_code

    def answered_by() -> Counter[int]:
        return Counter(line["pid"] for line in access_lines(process) if line["path"] == GATEWAYS)

    sent = 0
    with ThreadPoolExecutor(8) as pool:  # concurrent requests: one sync worker cannot take them all
        while len(answered_by()) < 2 and sent < 480:
            assert list(pool.map(get, range(16))) == [200] * 16
            sent += 16
            wait_for(lambda n=sent: sum(answered_by().values()) == n, what="an access line per request", log=process.log)
    workers = answered_by()
    assert len(workers) == 2, f"every request landed on one worker: {workers}"

    assert requests_counted(base) == {("catalog/v1/gateways", "GET", "200"): sent}

    # A replaced worker (gunicorn's max_requests, a crash) takes its counts with it only from memory:
    # they stay in its file, so the total never goes backwards.
    first = next(iter(workers))
    os.kill(first, signal.SIGTERM)
    wait_for(lambda: len(booted_workers(process)) == 3, what="gunicorn to replace the worker", log=process.log)
    for _ in range(4):  # whichever worker answers the scrape
        assert requests_counted(base) == {("catalog/v1/gateways", "GET", "200"): sent}
