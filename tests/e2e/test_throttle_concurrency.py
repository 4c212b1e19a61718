"""The anonymous throttle holds under concurrency: requests racing from several threads of one
process (the local cache) and from several processes (a shared Redis) are each counted, so a burst
gets exactly the rate and no more (docs/security.md, "Throttling").

DRF's own throttle reads a client's request history, appends and writes it back: concurrent
requests overwrite each other's entries and a burst of 700 passed uncounted. The Redis here is the
test's own server on a free port; the shared Redis is never touched."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.request import Request

from catalog.access import CatalogThrottle

from .conftest import REPO, Process

RATE = 50


def anonymous_request(address: str) -> Request:
    request = Request(RequestFactory().get("/catalog/v1/gateways", REMOTE_ADDR=address))
    request.user = AnonymousUser()
    return request


@pytest.fixture
def fifty_per_minute(settings: Any) -> None:
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": f"{RATE}/min"}}


def test_requests_racing_from_threads_are_each_counted(fifty_per_minute: None) -> None:
    allowed: list[bool] = []
    start = threading.Barrier(8)

    def burst() -> None:
        start.wait()
        for _ in range(40):
            allowed.append(CatalogThrottle().allow_request(anonymous_request("203.0.113.7"), view=None))

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    try:
        threads = [threading.Thread(target=burst) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(previous)

    assert (len(allowed), allowed.count(True)) == (320, RATE)
    # Another address keeps its own budget.
    assert CatalogThrottle().allow_request(anonymous_request("203.0.113.8"), view=None) is True


BURST = """
import os, sys, time
import django
django.setup()
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.request import Request
from catalog.access import CatalogThrottle

go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.001)
allowed = 0
for _ in range(100):
    request = Request(RequestFactory().get("/catalog/v1/gateways", REMOTE_ADDR="203.0.113.9"))
    request.user = AnonymousUser()
    allowed += CatalogThrottle().allow_request(request, view=None)
print(allowed)
"""


def test_requests_racing_from_processes_share_one_redis_counter(own_redis: tuple[Process, int], tmp_path: Path) -> None:
    _, port = own_redis
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_URL", "REDIS_URL", "CATALOG_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gatewayz_site.settings",
        DJANGO_DEBUG="true",
        CACHE_URL=f"redis://127.0.0.1:{port}/3",
        CATALOG_ANON_THROTTLE_RATE="300/min",  # most of the burst races inside the budget
        PYTHONPATH=str(REPO),
    )
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, "-c", BURST, str(go)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    time.sleep(3)  # let every process import Django and wait at the line
    go.touch()
    counts = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        counts.append(int(out.strip()))

    assert sum(counts) == 300, counts  # 400 requests from 4 processes, one budget
